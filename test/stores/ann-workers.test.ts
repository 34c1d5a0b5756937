import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LanceDbStore, type LanceDbStoreOptions } from '../../src/stores/lancedb-store.js';
import { near, rng, unitVector } from './builders.js';

/**
 * Graph searches in worker threads: a search request's vector lists go as one message per worker, and answer
 * exactly as the same searches run in this thread.
 */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const DIMS = { text: 24, image: 32, audio: 32 } as const;
type Name = keyof typeof DIMS;
const NAMES = Object.keys(DIMS) as Name[];

const schema = {
  name: 'c',
  vectors: {
    text: { modality: 'text' as const, dim: DIMS.text },
    image: { modality: 'image' as const, dim: DIMS.image },
    audio: { modality: 'audio' as const, dim: DIMS.audio },
  },
};

function items(n: number, seed: number) {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `i${i}`,
    payload: { n: i },
    vectors: Object.fromEntries(NAMES.map((v) => [v, unitVector(DIMS[v], rand)])) as Record<
      Name,
      Float32Array
    >,
  }));
}

async function open(dataDir: string, extra: Partial<LanceDbStoreOptions> = {}) {
  return LanceDbStore.open({
    dataDir,
    indexMaintenance: 'inline',
    annSaveIdleMs: 60_000,
    ...extra,
  });
}

/** The lists of one search request, started together as the engine's retrieve stage starts them. */
async function request(store: LanceDbStore, q: Record<Name, Float32Array>, k: number) {
  const lists = await Promise.all(NAMES.map((name) => store.search('c', name, q[name], k)));
  return lists.map((hits) => hits.map((h) => [h.id, h.score]));
}

describe('ANN search workers', () => {
  it("sends a search request's vector lists as one message per worker, answering as this thread's search does", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-annw-'));
    dirs.push(dir);
    const first = await open(dir);
    await first.createCollection(schema);
    const data = items(600, 31);
    await first.upsert('c', data);
    await first.close(); // absorbed and saved: the graph files the workers map
    const here = await open(dir, { searchThreads: 0 });
    const rand = rng(32);
    const queries = Array.from({ length: 12 }, (_, i) => {
      const item = data[i * 41]!;
      return Object.fromEntries(NAMES.map((v) => [v, near(item.vectors[v], rand)])) as Record<
        Name,
        Float32Array
      >;
    });
    const expected = [];
    for (const q of queries) expected.push(await request(here, q, 20));
    await here.close();
    for (const threads of [1, 2]) {
      // Never narrowed: on a busy test machine the pool would send a request's lists to one worker.
      const pooled = await open(dir, {
        searchThreads: threads,
        searchThreadsMinGraph: 0,
        searchThreadsNarrow: false,
      });
      for (const [i, q] of queries.entries())
        expect(await request(pooled, q, 20)).toEqual(expected[i]);
      // One message per worker per request: its lists split over the workers, so they still run in parallel.
      expect(pooled.searchThreadStats()).toMatchObject({
        searches: queries.length * NAMES.length,
        messages: queries.length * threads,
      });
      // Several requests at once: still one message each, and each gets its own answers.
      const together = await Promise.all(queries.map((q) => request(pooled, q, 20)));
      expect(together).toEqual(expected);
      const stats = pooled.searchThreadStats()!;
      expect(stats.searches).toBe(2 * queries.length * NAMES.length);
      expect(stats.messages).toBeLessThanOrEqual(2 * queries.length * threads);
      expect(stats.messages).toBeGreaterThan(0);
      await pooled.close();
    }
  });
});
