import { describe, expect, it } from 'vitest';
import { Rng } from '../../rerankers/random.js';
import { rankOrder } from '../../rerankers/rank-order.js';

/** The comparator sort rankOrder replaces (rerankers/onnx-reranker.ts before it). */
function reference(scores: Float32Array, ids: { id: string }[], exact?: Float64Array): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) =>
      scores[b]! - scores[a]! ||
      (exact ? exact[b]! - exact[a]! : 0) ||
      (ids[a]!.id < ids[b]!.id ? -1 : 1),
  );
}

describe('rankOrder', () => {
  it('orders as the comparator sort: scores down, ties by the exact score, then by id', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + rng.int(400);
      // Few distinct values (many ties), both signs, zeros of both signs, tiny and large magnitudes.
      const pool = [
        0,
        -0,
        1,
        -1,
        0.5,
        -0.25,
        1e-30,
        -1e-30,
        3.4e38,
        -3.4e38,
        rng.normal(),
        rng.normal(),
      ];
      const scores = Float32Array.from({ length: n }, () =>
        trial % 2 ? pool[rng.int(pool.length)]! : rng.normal() * 10,
      );
      const exact = trial % 3 ? Float64Array.from({ length: n }, () => rng.int(3)) : undefined;
      // Ids out of index order, so an index tie-break would differ from the id one.
      const ids = Array.from({ length: n }, () => ({ id: `item-${rng.int(1_000_000)}` }));
      expect(rankOrder(scores, ids, exact)).toEqual(reference(scores, ids, exact));
    }
  });

  it('keeps -0 and +0 equal, so their order comes from the tie-breaks', () => {
    const scores = Float32Array.from([-0, 0, -0]);
    const ids = [{ id: 'c' }, { id: 'b' }, { id: 'a' }];
    expect(rankOrder(scores, ids)).toEqual([2, 1, 0]);
    expect(rankOrder(scores, ids, Float64Array.from([3, 1, 2]))).toEqual([0, 2, 1]);
  });
});
