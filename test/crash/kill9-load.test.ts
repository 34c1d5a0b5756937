import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bm25Index } from '../../src/lexical/bm25-index.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { api, startServeProcess, type ServerProcess } from './server-process.js';

const COLL = 'load';
const DIMS = { a: 32, b: 48, c: 48 } as const;
const vectorOf = (n: number, name: keyof typeof DIMS) =>
  Array.from({ length: DIMS[name] }, (_, i) =>
    Math.fround(Math.sin(n * 0.37 + i * 1.3 + name.charCodeAt(0)) + (i === n % DIMS[name] ? 2 : 0)),
  );
const itemOf = (n: number) => ({
  id: `it${n}`,
  text: `catalogue entry zq${n} woven basket`,
  payload: { n },
  vectors: { a: vectorOf(n, 'a'), b: vectorOf(n, 'b'), c: vectorOf(n, 'c') },
});

/**
 * kill -9 of `chorus serve` during a bulk load over HTTP (JSON batches and NDJSON streams with three vectors and
 * text per item). After a restart: every acknowledged item is stored with its exact vectors, BM25 holds exactly
 * the stored items (a write the kill cut between store and index is repaired from the write journal), and the
 * ANN index finds acknowledged items by their own vectors.
 */
describe('crash: SIGKILL during a bulk load over HTTP', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-crash-load-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing acknowledged and leaves store, BM25 and ANN index in agreement', async () => {
    server = await startServeProcess(dir);
    const vectors = Object.fromEntries(
      Object.entries(DIMS).map(([name, dim]) => [name, { modality: 'text', dim }]),
    );
    const created = await api(server.url, 'POST', '/v1/collections', {
      name: COLL,
      vectors,
      payloadIndexes: { text: 'text' },
    });
    expect(created.status, created.text).toBe(201);

    const acked = new Set<number>();
    let seq = 0;
    let stop = false;
    const url = server.url;
    const jsonWriter = async () => {
      while (!stop) {
        const ns = Array.from({ length: 25 }, () => seq++);
        try {
          const r = await api(url, 'POST', '/v1/items', {
            collection: COLL,
            items: ns.map(itemOf),
          });
          if (r.status === 200) for (const n of ns) acked.add(n);
        } catch {
          return; // the server is gone
        }
      }
    };
    const ndjsonWriter = async () => {
      while (!stop) {
        const ns = Array.from({ length: 20 }, () => seq++);
        try {
          const res = await fetch(`${url}/v1/items/stream?collection=${COLL}&batch=10`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-ndjson' },
            body: ns.map((n) => JSON.stringify(itemOf(n))).join('\n'),
          });
          const summary = (await res.json()) as { upserted: number; failed: number };
          if (res.status === 200 && summary.failed === 0) for (const n of ns) acked.add(n);
        } catch {
          return;
        }
      }
    };
    const workers = [jsonWriter(), jsonWriter(), jsonWriter(), ndjsonWriter()];
    const t0 = Date.now();
    while (acked.size < 400 && Date.now() - t0 < 25_000)
      await new Promise((r) => setTimeout(r, 20));
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
    stop = true;
    await Promise.all(workers);
    console.info(
      `crash-load: killed after ${Date.now() - t0} ms with ${acked.size} items acknowledged of ${seq} sent`,
    );
    expect(acked.size).toBeGreaterThan(0);

    // Restart: the ANN index and BM25 serve every acknowledged item (sampled over HTTP).
    server = await startServeProcess(dir);
    const info = (await api(server.url, 'GET', `/v1/collections/${COLL}`)).json as {
      collection: { count: number };
    };
    expect(info.collection.count).toBeGreaterThanOrEqual(acked.size);
    const sample = [...acked].filter((_, i) => i % Math.max(1, Math.floor(acked.size / 30)) === 0);
    for (const n of sample) {
      const byVector = await api(server.url, 'POST', '/v1/search', {
        collection: COLL,
        vectors: { a: vectorOf(n, 'a') },
        lexical: false,
        limit: 1,
        fusion: 'rrf',
      });
      expect(byVector.status, byVector.text).toBe(200);
      expect((byVector.json as { hits: { id: string }[] }).hits[0]?.id).toBe(`it${n}`);
      const byText = await api(server.url, 'POST', '/v1/search', {
        collection: COLL,
        text: `zq${n}`,
        limit: 1,
        fusion: 'rrf',
      });
      expect((byText.json as { hits: { id: string }[] }).hits[0]?.id).toBe(`it${n}`);
    }
    await server.stop();
    server = undefined;

    // The files: every acknowledged item with its exact vectors; BM25 holds exactly the stored items.
    const store = await LanceDbStore.open({ dataDir: dir });
    const bm25 = new Bm25Index(path.join(dir, 'lexical.sqlite'));
    try {
      const ids = [...acked].map((n) => `it${n}`);
      const found = new Map<string, Record<string, Float32Array>>();
      for (let i = 0; i < ids.length; i += 200)
        for (const it of await store.get(COLL, ids.slice(i, i + 200), { withVectors: true }))
          found.set(it.id, it.vectors);
      const missing = ids.filter((id) => !found.has(id));
      expect(missing, `acknowledged but lost: ${missing.slice(0, 5).join(', ')}`).toEqual([]);
      for (const n of acked)
        for (const name of ['a', 'b', 'c'] as const)
          expect(Array.from(found.get(`it${n}`)![name]!)).toEqual(vectorOf(n, name));
      const stored: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.scroll(COLL, { limit: 500, cursor });
        stored.push(...page.items.map((i) => i.id));
        cursor = page.next;
      } while (cursor);
      expect(new Set(stored).size).toBe(stored.length);
      expect(await store.count(COLL)).toBe(stored.length);
      expect(bm25.count(COLL)).toBe(stored.length);
      for (const id of stored)
        expect(bm25.search(COLL, `zq${id.slice(2)}`, 1).map((h) => h.id)).toEqual([id]);
    } finally {
      bm25.close();
      await store.close();
    }
  }, 180_000);
});
