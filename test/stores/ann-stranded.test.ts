import { Index, MetricKind, ScalarKind } from 'usearch';
import { describe, expect, it } from 'vitest';
import { relinkStranded } from '../../src/stores/ann/stranded.js';
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

  it('a stranded-looking row whose key usearch cannot remove is left as it is (the repair threw out of the drain)', () => {
    // usearch 2.25: after a few rounds of removing every key and adding as many new ones (every update removes one),
    // remove() answers 0 for keys the graph still holds (here: every key of the 5th round). The repair's re-add then
    // threw "Duplicate keys not allowed" out of a parallel drain (flushIndex failed; seen in an update-heavy run).
    const dim = 16;
    const n = 5_000;
    const graph = new Index({
      dimensions: dim,
      metric: MetricKind.Cos,
      quantization: ScalarKind.I8,
      connectivity: 16,
      expansion_add: 32,
      expansion_search: 64,
      multi: false,
    });
    const rand = rng(3);
    const codes = (rows: number) =>
      Int8Array.from({ length: rows * dim }, () => Math.floor(rand() * 200 - 100));
    let next = 0;
    let keys = new BigUint64Array(0);
    let stuck: bigint | undefined;
    for (let round = 0; round < 8 && stuck === undefined; round++) {
      for (const key of keys) {
        if (graph.remove(key) === 0 && graph.contains(key)) {
          stuck = key;
          break;
        }
      }
      keys = BigUint64Array.from({ length: n }, () => BigInt(next++));
      graph.add(keys, codes(n), 1);
    }
    expect(stuck).toBeDefined(); // usearch's behaviour this guards against (if it is fixed, this test can go)
    // A vector far from the row's own: its search does not find it, so the repair tries to re-link it.
    const far = Int8Array.from({ length: dim }, (_, i) => (i % 2 ? 127 : -127));
    const key = BigUint64Array.of(stuck!);
    expect(() => relinkStranded(graph, key, far, dim, 1)).not.toThrow();
    expect(graph.contains(stuck!)).toBe(true);
  });
});
