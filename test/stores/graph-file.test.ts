import { describe, expect, it } from 'vitest';
import { graphMapSafe } from '../../src/stores/ann/graph-file.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { rng, unitVector } from './builders.js';
import { tempDirs } from '../support/temp-dirs.js';

/**
 * usearch's Node binding corrupts the heap when it opens (view or load) a graph saved with many removed nodes (see
 * graphMapSafe); every update of an absorbed row removes one. Such a file must never be opened: not by a search
 * worker, not by the next open (which rebuilds from the table instead).
 */
const DIM = 16;
const tempDir = tempDirs('chorus-graph-file-');
const schema = {
  name: 'g',
  vectors: { text: { modality: 'text' as const, dim: DIM } },
  payloadIndexes: {},
};

function items(n: number, seed: number) {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `i${i}`,
    payload: { seed },
    vectors: { text: unitVector(DIM, rand) },
  }));
}

describe('saved graphs usearch cannot open again', () => {
  it('graphMapSafe matches the probed (nodes, removed) pairs', () => {
    // nodes / removed: safe (opened fine) and unsafe (the process aborted) in a probe of view and load.
    const safe = [
      [64, 26],
      [100, 34],
      [333, 200],
      [1000, 400],
      [1500, 450],
      [4096, 1638],
      [5000, 2500],
    ];
    const unsafe = [
      [64, 32],
      [100, 40],
      [333, 266],
      [1000, 500],
      [1500, 510],
      [4096, 2048],
      [5000, 3000],
      [10, 10],
    ];
    for (const [t, r] of safe) expect(graphMapSafe(t!, t! - r!)).toBe(true);
    for (const [t, r] of unsafe) expect(graphMapSafe(t!, t! - r!)).toBe(false);
  });

  it('most items deleted after their rows were absorbed: searched without the search workers mapping the saved graph, and rebuilt on the next open', async () => {
    const dir = tempDir();
    const opts = {
      dataDir: dir,
      searchThreads: 1,
      searchThreadsMinGraph: 1,
      annSaveIdleMs: 60_000,
      annCompactMinDead: Number.POSITIVE_INFINITY,
    };
    let store = await LanceDbStore.open(opts);
    const all = items(200, 1);
    const kept = all.slice(120);
    const check = async () => {
      for (const it of kept.filter((_, i) => i % 5 === 0))
        expect((await store.search('g', 'text', it.vectors.text, 1))[0]?.id).toBe(it.id);
      // Heap corruption shows at a later allocation: allocate and free a while.
      for (const it of all) await store.search('g', 'text', it.vectors.text, 5);
    };
    try {
      await store.createCollection(schema);
      await store.upsert('g', all);
      await store.flushIndex('g'); // 200 nodes in the graph, saved
      await store.delete(
        'g',
        all.slice(0, 120).map((it) => it.id),
      ); // 120 nodes removed
      await store.flushIndex('g'); // saved: 200 nodes, 80 present
      await check();
    } finally {
      await store.close();
    }
    store = await LanceDbStore.open(opts);
    try {
      await check();
      expect(await store.annKeySpace('g')).toEqual({ live: 80, assigned: 80 }); // rebuilt from the table
    } finally {
      await store.close();
    }
  }, 60_000);
});
