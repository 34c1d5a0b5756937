import { describe, expect, it } from 'vitest';
import { FUSION_GRID, searchScoreFusion } from '../../rerankers/model/category-search.js';
import { FusionModel } from '../../rerankers/model/fusion-model.js';
import type { ModelShape } from '../../rerankers/model/layout.js';
import type { TrainList } from '../../rerankers/model/samples.js';
import { Rng } from '../../rerankers/random.js';

/** Two sources, each with an RRF-like part of the baseline and a min-max score; a one-hot query kind (a, b, c). */
const shape: ModelShape = {
  featureNames: ['baseline', 'part:s0', 'norm:s0', 'part:s1', 'norm:s1'],
  queryFeatureNames: ['kind:a', 'kind:b', 'kind:c'],
  groups: [
    { name: 's0', features: [2] },
    { name: 's1', features: [4] },
  ],
  baseline: { feature: 0, fusion: 'rrf', parts: [1, 3], scoreParts: [2, 4] },
  hidden: 0,
};
const F = shape.featureNames.length;
const fresh = () =>
  FusionModel.init(shape, new Rng(1), new Float64Array(F), new Float64Array(F).fill(1));
const props = [1, 0.5, 0.33, 0.25, 0.2, 0.17, 0.14, 0.12, 0.11, 0.1];
const KINDS = [0, 1, 2];

/**
 * Lists of 10 shown in baseline (rank-part) order; the user clicks by a kind-specific mix of the two scores
 * (kind a: s0, kind b: s0 + 2 s1), which the rank parts only roughly follow.
 */
function lists(perKind: number[], seed: number): TrainList[] {
  const rng = new Rng(seed);
  const out: TrainList[] = [];
  perKind.forEach((n, kind) => {
    for (let l = 0; l < n; l++) {
      const items = Array.from({ length: 10 }, () => {
        const n0 = rng.next();
        const n1 = rng.next();
        const p0 = 1 / (60 + Math.floor((1 - n0) * 20 + rng.next() * 8));
        const p1 = 1 / (60 + Math.floor((1 - n1) * 20 + rng.next() * 8));
        return { n0, n1, p0, p1, base: p0 + p1 };
      }).sort((a, b) => b.base - a.base);
      const want = (x: (typeof items)[number]) => (kind === 0 ? x.n0 : x.n0 + 2 * x.n1);
      const relevance = Float32Array.from(items, (x, i) =>
        rng.next() < (want(x) / (kind === 0 ? 1 : 3)) ** 4 / (i + 1) ? 1 : 0,
      );
      out.push({
        n: 10,
        rows: Float32Array.from(items.flatMap((x) => [x.base, x.p0, x.n0, x.p1, x.n1])),
        query: Float32Array.from(KINDS, (k) => (k === kind ? 1 : 0)),
        relevance,
        positions: Int32Array.from(items, (_, i) => i),
      });
    }
  });
  return out;
}

/** Position-based IPS clicks of the lists when each is reordered by `score` (ties keep the shown order). */
function clicksBy(ls: readonly TrainList[], score: (l: TrainList, i: number) => number): number {
  let v = 0;
  for (const l of ls) {
    const order = [...Array(l.n).keys()].sort((a, b) => score(l, b) - score(l, a) || a - b);
    order.forEach((i, r) => {
      if (l.relevance[i]) v += Math.min(10, props[r]! / props[l.positions![i]!]!);
    });
  }
  return v;
}

describe('weighted score fusion tuned per query category (a start family)', () => {
  it("gives each category the grid weights with the most counterfactual clicks on its own lists, the baseline's parts off", () => {
    const train = lists([120, 120], 7);
    const model = fresh();
    const r = searchScoreFusion(model, train, { propensities: props, categorical: KINDS });
    expect(r.searched).toBe(2);
    for (const kind of [0, 1]) {
      const own = train.filter((l) => l.query![kind] === 1);
      const x = own[0]!.query!;
      const w = model.reweight(x);
      // The baseline's parts are switched off: what is left of the rank fusion only breaks ties.
      for (const g of [0, 1]) expect(w.reweight[g]!).toBeLessThan(0.01);
      // Every combination on the grid, scored here on the category's lists: none gets more clicks than the model's.
      let best = -Infinity;
      for (const a of FUSION_GRID)
        for (const b of FUSION_GRID) {
          if (a === 0 && b === 0) continue;
          best = Math.max(
            best,
            clicksBy(own, (l, i) => a * l.rows[i * F + 2]! + b * l.rows[i * F + 4]!),
          );
        }
      const got = clicksBy(own, (l, i) => model.forward(l.rows, l.n, l.query).scores[i]!);
      expect(got).toBeCloseTo(best, 6);
      // It is the category's own optimum: kind a leans on s0, kind b on s1.
      const [s0, s1] = [w.scoreWeight[0]!, w.scoreWeight[1]!];
      if (kind === 0) expect(s0).toBeGreaterThan(s1);
      else expect(s1).toBeGreaterThan(s0);
    }
  });

  it("keeps the pooled weights for a category with too few lists, and the baseline's without any", () => {
    const train = lists([120, 120, 5], 8);
    const pooled = fresh();
    const { G, Wu, bu, bv } = pooled.o;
    for (let g = 0; g < G; g++) {
      pooled.params[bu + g] = 0.4 * (g + 1);
      pooled.params[bv + g] = 0.7;
    }
    const tail = pooled.params.slice(Wu);
    const model = fresh();
    const r = searchScoreFusion(model, train, { propensities: props, categorical: KINDS }, tail);
    expect(r).toEqual({ categories: 3, searched: 2 });
    const small = Float32Array.from([0, 0, 1]);
    const got = model.reweight(small);
    const want = pooled.reweight(small);
    for (let g = 0; g < G; g++) {
      expect(got.reweight[g]).toBeCloseTo(want.reweight[g]!, 3);
      expect(got.scoreWeight[g]).toBeCloseTo(want.scoreWeight[g]!, 3);
    }
    const none = fresh();
    searchScoreFusion(none, train, { propensities: props, categorical: KINDS });
    const base = none.reweight(small);
    for (let g = 0; g < G; g++) {
      expect(base.reweight[g]).toBeCloseTo(1, 3);
      expect(base.scoreWeight[g]).toBeCloseTo(0, 3);
    }
  });
});
