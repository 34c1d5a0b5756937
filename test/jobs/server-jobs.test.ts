import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChorus, type Chorus } from '../../src/app/build.js';
import { parseConfig } from '../../src/config.js';
import { ensureCollection } from '../../src/indexing/ensure-collection.js';
import { indexBatch } from '../../src/indexing/item-indexer.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ADMIN = 'admin-key-for-jobs-0123456789';
const hasRedis = redisAvailable('server jobs on BullMQ');

/** A served Chorus (real app, store, fixture encoders, BM25) with the server's job queue wired in. */
async function serve(redisUrl?: string) {
  const work = mkdtempSync(path.join(tmpdir(), 'chorus-server-jobs-'));
  const config = parseConfig({
    dataDir: work,
    adminKey: ADMIN,
    modelDir: path.join(ROOT, 'fixtures/models'),
    executionProviders: ['cpu'],
    models: { text: 'chorus-test/tiny-text', enabled: ['text'] },
    logLevel: 'silent',
    ...(redisUrl ? { redisUrl, jobs: { backoffMs: 10 } } : {}),
  });
  // The real composition root: buildChorus wires the server's jobs (routers, worker started by listen).
  const chorus: Chorus = await buildChorus(config);
  const { url } = await chorus.listen(0, '127.0.0.1');
  const call = async (
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` },
  ) => {
    const res = await fetch(url + p, {
      method,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : text };
  };
  // A small source collection, written by the bulk indexer code.
  const encoders = [...chorus.engine.deps.encoders()];
  await ensureCollection(chorus.store, 'src', encoders);
  const items = ['red linen dress', 'blue wool scarf', 'leather boots'].map((text, i) => ({
    id: `i${i}`,
    origin: `i${i}`,
    text,
  }));
  await indexBatch(
    { store: chorus.store, provenance: chorus.db.provenance, encoders },
    { collection: 'src', root: work, items },
  );
  return {
    call,
    async close() {
      await chorus.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

async function waitDone(call: Awaited<ReturnType<typeof serve>>['call'], id: string) {
  // Up to 50 s, inside the 60 s test timeout (the bound was 20 s; the whole file took 24 s at load 29).
  for (const end = Date.now() + 50_000; Date.now() < end;) {
    const r = await call('GET', `/v1/jobs/${id}`);
    if (r.json.state !== 'pending') return r.json;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

describe.each([
  ['in-process', false],
  ['bullmq', true],
])('jobs in a served Chorus (%s)', (kind, needsRedis) => {
  let redis: RedisServer | undefined;
  let s: Awaited<ReturnType<typeof serve>>;
  const enabled = !needsRedis || hasRedis;

  beforeAll(async () => {
    if (!enabled) return;
    if (needsRedis) redis = await startRedis();
    s = await serve(redis?.url);
  });
  afterAll(async () => {
    await s?.close();
    await redis?.stop();
  });

  it.runIf(enabled)(
    're-embeds a collection through POST /v1/jobs; the server BM25 sees the new items at once',
    async () => {
      expect(
        (
          await s.call(
            'POST',
            '/v1/jobs',
            { name: 'reembed-collection', payload: { collection: 'src', target: 'dst' } },
            {},
          )
        ).status,
      ).toBe(401);
      const start = await s.call('POST', '/v1/jobs', {
        name: 'reembed-collection',
        payload: { collection: 'src', target: 'dst' },
      });
      expect(start.status).toBe(202);
      const done = await waitDone(s.call, start.json.id);
      expect(done).toMatchObject({ state: 'completed', result: { indexed: 3, failed: [] } });
      const dst = await s.call('GET', '/v1/collections/dst');
      expect(dst.json.collection).toMatchObject({ count: 3, lexicalCount: 3 });
      const counts = await s.call('GET', '/v1/jobs');
      expect(counts.json).toMatchObject({ queue: kind, counts: { completed: 1 } });
    },
  );

  it.runIf(enabled)(
    'a job that cannot run fails with its reason; bad job requests are 400; unknown ids 404',
    async () => {
      // The engine's CF refresh runs, and refuses a collection without a `cf` vector.
      const start = await s.call('POST', '/v1/jobs', {
        name: 'cf-refresh',
        payload: { collection: 'src' },
      });
      expect(await waitDone(s.call, start.json.id)).toMatchObject({
        state: 'failed',
        reason: expect.stringContaining('has no "cf" vector'),
      });
      expect((await s.call('POST', '/v1/jobs', { name: 'index-batch', payload: {} })).status).toBe(
        400,
      );
      expect(
        (
          await s.call('POST', '/v1/jobs', {
            name: 'reembed-collection',
            payload: { collection: 'src', target: 'src' },
          })
        ).status,
      ).toBe(400);
      expect((await s.call('GET', '/v1/jobs/nope')).status).toBe(404);
    },
  );

  it.runIf(enabled)(
    `bull-board ${needsRedis ? 'shows the queue at /admin/queues behind the admin key' : 'is absent without Redis'}`,
    async () => {
      const r = await s.call('GET', '/admin/queues/api/queues');
      if (!needsRedis) return void expect(r.status).toBe(404);
      expect(r.status).toBe(200);
      const q = (r.json.queues as { name: string; counts: Record<string, number> }[]).find(
        (x) => x.name === 'chorus-jobs',
      );
      expect(q?.counts).toMatchObject({ completed: 1, failed: 1 });
      expect((await s.call('GET', '/admin/queues/api/queues', undefined, {})).status).toBe(401);
      const ui = await s.call('GET', '/admin/queues/');
      expect(ui.status).toBe(200);
      expect(String(ui.json)).toMatch(/<html/i);
    },
  );
});
