import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VectorStore } from '../../src/stores/vector-store.js';
import { startServer, vec, type TestServer } from '../api/harness.js';

const C = 'cancel';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 12, finding 5: a costly search that times out must stop its work. The request here is valid (a
 * filter well inside the limits, three vector lists plus BM25); the store's ANN search is made slow with an
 * injected delay, as a big filter scan would be. After the 504 nothing else may run: no store call starts,
 * no reranking, no impression is logged.
 */
describe('security: a search that times out stops its work', () => {
  let s: TestServer;
  const calls: { what: string; at: number }[] = [];
  beforeAll(async () => {
    s = await startServer({ limits: { requestTimeoutMs: 1000 } });
    const vectors = {
      a: { modality: 'text', dim: 8 },
      b: { modality: 'image', dim: 8 },
      c: { modality: 'audio', dim: 8 },
    } as const;
    // Set up through the engine: the short request timeout is for the request under test only.
    await s.chorus.engine.createCollection({
      name: C,
      vectors,
      payloadIndexes: { title: 'text', n: 'integer', tag: 'keyword' },
    } as never);
    const items = Array.from({ length: 40 }, (_, n) => ({
      id: `i${n}`,
      payload: { title: `lamp number ${n}`, n, tag: `t${n % 7}` },
      vectors: { a: vec(8, n, 1), b: vec(8, n, 2), c: vec(8, n, 3) },
    }));
    await s.chorus.engine.upsertItems(C, items);
    // Every store read that did its work, and every rerank, is recorded with its start time.
    const store = s.chorus.store as VectorStore;
    for (const m of ['search', 'get', 'count', 'scroll'] as const) {
      const real = (store[m] as (...a: unknown[]) => Promise<unknown>).bind(store);
      (store as unknown as Record<string, unknown>)[m] = async (...args: unknown[]) => {
        if (m === 'search') await sleep(2000); // the slow part, before the real call
        const at = Date.now();
        const out = await real(...args); // a call the store refuses (aborted signal) did no work and is not recorded
        calls.push({ what: `store.${m}`, at });
        return out;
      };
    }
    for (const name of ['rrf', 'weighted', 'dbsf']) {
      const r = s.chorus.engine.rerankers.get(name)!;
      const real = r.rerank.bind(r);
      r.rerank = (...args) => {
        calls.push({ what: `rerank:${name}`, at: Date.now() });
        return real(...args);
      };
    }
  });
  afterAll(() => s.close());

  it('answers 504 and starts no store read, rerank or impression log after it', async () => {
    const impressionsBefore = s.chorus.db.events.count({ collection: C, types: ['impression'] });
    const filter = {
      must: [
        { key: 'n', range: { gte: 0, lt: 1000 } },
        { key: 'tag', in: Array.from({ length: 20 }, (_, i) => `t${i}`) },
        { should: Array.from({ length: 8 }, (_, i) => ({ key: 'n', range: { gte: i * 5 } })) },
      ],
    };
    calls.length = 0;
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      text: 'lamp',
      vectors: { a: vec(8, 3, 1), b: vec(8, 3, 2), c: vec(8, 3, 3) },
      filter,
      fusion: 'rrf',
    });
    const answeredAt = Date.now();
    expect(r.status).toBe(504);
    expect(r.json.error.code).toBe('TIMEOUT');
    await sleep(2500); // the delayed ANN searches wake up in here
    await s.chorus.engine.flush();
    const late = calls.filter((c) => c.at > answeredAt).map((c) => c.what);
    expect(late, `work that ran after the 504: ${late.join(', ')}`).toEqual([]);
    expect(calls.some((c) => c.what.startsWith('rerank'))).toBe(false);
    expect(s.chorus.db.events.count({ collection: C, types: ['impression'] })).toBe(
      impressionsBefore,
    );
    // The server keeps serving.
    expect((await s.call('GET', '/healthz')).status).toBe(200);
  });
});
