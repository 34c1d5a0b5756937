import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RowStore } from '../../src/stores/ann/row-store.js';
import { SearchPool } from '../../src/stores/ann/search-pool.js';
import { HNSW_PARAMS, VectorIndex } from '../../src/stores/ann/vector-index.js';
import { cosine, near, rng, unitVector } from './builders.js';

/**
 * The exact rows of an i8 graph reach the search workers as shared memory chunks: chunks allocated after a worker got
 * the first ones are posted before the search that needs them, so rows written later re-score in the worker too.
 */
const DIM = 16;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('exact rows shared with the search workers', () => {
  it('rows in chunks allocated after the first searches are re-scored in the worker, exactly', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-rows-'));
    dirs.push(dir);
    const rows = RowStore.create(path.join(dir, 'v0-rows.f32'), DIM, 64); // 64 keys per chunk
    const index = new VectorIndex(DIM, 'cosine', HNSW_PARAMS, {
      rows,
      fork: () => path.join(dir, 'v0-fork.f32'),
    });
    const rand = rng(5);
    const vectors: Float32Array[] = [];
    const live = () => true;
    const addRows = (n: number) => {
      for (let i = 0; i < n; i++) {
        vectors.push(unitVector(DIM, rand));
        index.add(vectors.length - 1, vectors[vectors.length - 1]!);
      }
      while (index.hasWork) index.absorb(1000, live);
    };
    const pool = new SearchPool(1, 0);
    try {
      addRows(100); // chunks 0-1
      index.persist(dir, 'v0-1', live, true);
      const check = async (target: number) => {
        const q = near(vectors[target]!, rand, 0.05);
        const before = pool.completed;
        const hits = await index.searchShared(q, 10, live, pool);
        expect(pool.completed).toBe(before + 1); // answered by the worker, not the fallback here
        expect(hits[0]!.key).toBe(target);
        for (const h of hits)
          expect(Math.abs(1 - h.distance - cosine(q, vectors[h.key]!))).toBeLessThan(1e-6);
        expect(hits.map((h) => h.key)).toEqual(index.search(q, 10, live).map((h) => h.key));
      };
      await check(42);
      addRows(250); // chunks 2-5, allocated after the worker got 0-1
      index.persist(dir, 'v0-2', live, true);
      await check(300);
      await check(7);
      expect(rows.chunks.length).toBe(6);
    } finally {
      await pool.close();
      rows.close();
    }
  });
});
