import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildChorus, type BuildOptions, type Chorus } from '../../src/app/build.js';
import { parseConfig, type ConfigInput } from '../../src/config.js';
import type { FeedbackEvent } from '../../src/domain/feedback.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field in tests
export type Json = any;

/** A real Chorus over a temp data dir (real LanceDB, real SQLite), listening on 127.0.0.1:0. */
export interface TestServer {
  chorus: Chorus;
  url: string;
  dir: string;
  call(
    method: string,
    p: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Json; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startServer(
  config: Partial<ConfigInput> = {},
  opts: BuildOptions = {},
): Promise<TestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-api-'));
  const chorus = await buildChorus(parseConfig({ dataDir: dir, logLevel: 'silent', ...config }), {
    encoders: 'none',
    indexMaintenance: 'inline',
    ...opts,
  });
  const { url } = await chorus.listen(0, '127.0.0.1');
  return {
    chorus,
    url,
    dir,
    async call(method, p, body, headers = {}) {
      // A fresh connection per call: tests run synchronous work (fits) on the loop the server shares with them, and
      // a pooled socket whose keep-alive timer expired during that work is closed as the next request is written
      // (ECONNRESET on a POST, which fetch does not retry).
      const init: RequestInit = { method, headers: { connection: 'close', ...headers } };
      if (body !== undefined) {
        init.body =
          typeof body === 'string' || body instanceof FormData || body instanceof Uint8Array
            ? (body as BodyInit)
            : JSON.stringify(body);
        if (!(body instanceof FormData) && !('content-type' in headers))
          (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const res = await fetch(url + p, init);
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text, headers: res.headers };
    },
    async close() {
      await chorus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deterministic unit vectors around a few directions, so neighbours are predictable. */
export function vec(dim: number, seed: number, axis: number): number[] {
  const v = Array.from({ length: dim }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 0.05);
  v[axis % dim]! += 1;
  return v;
}

/**
 * A server holding one collection with a `text` vector of `dim` dimensions and these items (stored in batches of
 * at most 1,000, each write checked).
 */
export async function serverWithItems(
  collection: { name: string; dim: number; payloadIndexes?: Record<string, string> },
  items: Json[],
  config: Partial<ConfigInput> = {},
): Promise<TestServer> {
  const s = await startServer(config);
  const create = await s.call('POST', '/v1/collections', {
    name: collection.name,
    vectors: { text: { modality: 'text', dim: collection.dim } },
    ...(collection.payloadIndexes ? { payloadIndexes: collection.payloadIndexes } : {}),
  });
  if (create.status !== 201 && create.status !== 200)
    throw new Error(`collection not created: ${create.text}`);
  for (let i = 0; i < items.length; i += 1000) {
    const r = await s.call('POST', '/v1/items', {
      collection: collection.name,
      items: items.slice(i, i + 1000),
    });
    if (r.status !== 200) throw new Error(`items not stored: ${r.text}`);
  }
  return s;
}

/** The impression the server logged for a query (after flushing its group commit). */
export async function loggedImpression(
  s: TestServer,
  collection: string,
  queryId: string,
): Promise<Extract<FeedbackEvent, { type: 'impression' }>> {
  await s.chorus.engine.flush();
  const [stored] = s.chorus.db.events.query({ collection, queryId, types: ['impression'] });
  const e = stored?.event as FeedbackEvent | undefined;
  if (e?.type !== 'impression') throw new Error(`no impression for ${queryId}`);
  return e;
}

/** Polls GET /v1/jobs/:id until the job is no longer pending (about 10 s at most). */
export async function waitForJob(s: Pick<TestServer, 'call'>, id: string): Promise<Json> {
  for (let i = 0; i < 200; i++) {
    const j = await s.call('GET', `/v1/jobs/${id}`);
    if (j.json.state !== 'pending') return j.json;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not finish`);
}
