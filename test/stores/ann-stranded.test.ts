import { describe, expect, it } from 'vitest';
import { HNSW_PARAMS, VectorIndex, type HnswParams } from '../../src/stores/ann/vector-index.js';
import { rng, unitVector } from './builders.js';

// Regression: usearch's concurrent add() (a parallel drain: flushIndex, bulk loads) can store a node that no search
// reaches (unum-cloud/USearch#735). In CI the store contract's near-duplicate query missed its own item that way.
// Without the repair, 2-thread builds like these left ~0.7 unreachable rows per build on average (29 in 40 builds),
// so 12 builds without one would be chance of about 1e-4 (22 in 20 builds when this test was written).
describe('VectorIndex parallel absorb', () => {
  const DIM = 32;
  const ROWS = 1200;
  const BUILDS = 12;

  const cases: [string, HnswParams][] = [
    ['i8 graph (re-scored)', HNSW_PARAMS],
    ['f32 graph', { ...HNSW_PARAMS, quantization: 'f32' }],
  ];

  it.each(cases)(
    '%s: every row is reachable by its own vector after a 2-thread drain',
    (_name, params) => {
      const live = () => true;
      let unreachable = 0;
      let relinked = 0;
      for (let b = 0; b < BUILDS; b++) {
        const rand = rng(1000 + b);
        const rows = Array.from({ length: ROWS }, () => unitVector(DIM, rand));
        const index = new VectorIndex(DIM, 'cosine', params);
        // A third goes in on one thread first (the background absorber), the rest in one parallel drain.
        rows.forEach((v, key) => index.add(key, v));
        index.absorb(ROWS / 3, live);
        index.absorb(ROWS, live, 2);
        expect(index.graphSize).toBe(ROWS);
        expect(index.pendingSize).toBe(0);
        rows.forEach((v, key) => {
          if (index.search(v, 1, live)[0]?.key !== key) unreachable++;
        });
        relinked += index.relinked;
      }
      expect({ unreachable, relinkedAtMost: relinked <= BUILDS * ROWS * 0.01 }).toEqual({
        unreachable: 0,
        relinkedAtMost: true,
      });
    },
    120_000,
  );
});
