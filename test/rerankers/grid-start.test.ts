import { describe, expect, it } from 'vitest';
import { FusionModel } from '../../rerankers/model/fusion-model.js';
import type { ModelShape } from '../../rerankers/model/layout.js';
import type { TrainList } from '../../rerankers/model/samples.js';
import { START_GRID, searchReweighting } from '../../rerankers/model/weight-search.js';
import { Rng } from '../../rerankers/random.js';

/**
 * Three sources under an RRF-like baseline (each source's part 1 / (61 + rank), over the list's best) beside each
 * source's min-max score; two 0/1 query features split the queries into three categories, as which modalities a
 * query carries do: (1, 1) all three sources, (1, 0) sources 0 and 1, (0, 1) sources 0 and 2.
 */
const shape: Omit<ModelShape, 'hidden'> = {
  featureNames: ['baseline', 'part:s0', 'norm:s0', 'part:s1', 'norm:s1', 'part:s2', 'norm:s2'],
  queryFeatureNames: ['has_s1', 'has_s2'],
  groups: [
    { name: 's0', features: [2] },
    { name: 's1', features: [4] },
    { name: 's2', features: [6] },
  ],
  baseline: { feature: 0, fusion: 'rrf', parts: [1, 3, 5], scoreParts: [2, 4, 6] },
};
const props = [1, 0.5, 0.33, 0.25, 0.2, 0.17, 0.14, 0.12, 0.11, 0.1];
/** How much each source's score tells of relevance, per category (the reliable modality differs by kind). */
const TRUST: Record<string, number[]> = {
  '1,1': [1, 0.5, 0.5],
  '1,0': [0.5, 1, 0],
  '0,1': [0.5, 0, 1],
};

function fresh(): FusionModel {
  return FusionModel.init(
    { ...shape, hidden: 0 },
    new Rng(1),
    new Float64Array(7),
    new Float64Array(7).fill(1),
  );
}

/** Lists of 10 shown in the baseline's order, clicked by a position-based model on a latent relevance. */
function lists(n: number, seed: number): TrainList[] {
  const rng = new Rng(seed);
  const cats = Object.keys(TRUST);
  return Array.from({ length: n }, () => {
    const cat = cats[rng.int(cats.length)]!;
    const trust = TRUST[cat]!;
    const rel = Array.from({ length: 10 }, () => rng.next());
    const raw = rel.map((r) => trust.map((t) => (t > 0 ? t * r + rng.normal() * 0.3 : NaN)));
    const rankOf = (s: number) => {
      const order = raw.map((_, i) => i).sort((a, b) => raw[b]![s]! - raw[a]![s]!);
      const r = new Array<number>(10);
      order.forEach((i, k) => (r[i] = k));
      return r;
    };
    const ranks = [0, 1, 2].map((s) => (trust[s]! > 0 ? rankOf(s) : undefined));
    const norm = (s: number, i: number) => {
      if (!ranks[s]) return 0;
      const col = raw.map((x) => x[s]!);
      const [lo, hi] = [Math.min(...col), Math.max(...col)];
      return (raw[i]![s]! - lo) / (hi - lo);
    };
    const items = raw.map((_, i) => {
      const p = [0, 1, 2].map((s) => (ranks[s] ? 1 / (61 + ranks[s][i]!) : 0));
      return { p, n: [0, 1, 2].map((s) => norm(s, i)), base: p[0]! + p[1]! + p[2]!, rel: rel[i]! };
    });
    const max = Math.max(...items.map((x) => x.base));
    items.sort((a, b) => b.base - a.base);
    return {
      n: 10,
      rows: Float32Array.from(
        items.flatMap((x) => [x.base / max, ...[0, 1, 2].flatMap((s) => [x.p[s]! / max, x.n[s]!])]),
      ),
      query: Float32Array.from(cat.split(',').map(Number)),
      relevance: Float32Array.from(items, (x, k) => (rng.next() < props[k]! * x.rel ** 2 ? 1 : 0)),
      positions: Int32Array.from(items, (_, i) => i),
    };
  });
}

/** Position-based IPS clicks of a list reordered by `scores` (ties keep the shown order), clip 10. */
function counterfactual(l: TrainList, scores: ArrayLike<number>): number {
  const order = [...Array(l.n).keys()].sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.reduce(
    (v, i, r) => v + l.relevance[i]! * Math.min(10, (props[r] ?? 0) / props[l.positions![i]!]!),
    0,
  );
}

/**
 * The exhaustive grid's best per category, found here by brute force through the model's own forward pass: every
 * combination of the three score weights on START_GRID, the baseline's parts as preset or off. Mean per clicked list.
 */
function gridOptimum(train: readonly TrainList[]): number {
  const clicked = train.filter((l) => l.relevance.some((r) => r > 0));
  const m = fresh();
  const { bu, bv } = m.o;
  let total = 0;
  for (const cat of Object.keys(TRUST)) {
    const ls = clicked.filter((l) => [...l.query!].join(',') === cat);
    let best = -Infinity;
    for (const part of [0, -3])
      for (const a of START_GRID)
        for (const b of START_GRID)
          for (const c of START_GRID) {
            [a, b, c].forEach((v, g) => {
              m.params[bu + g] = part;
              m.params[bv + g] = v;
            });
            let value = 0;
            for (const l of ls) value += counterfactual(l, m.forward(l.rows, l.n, l.query).scores);
            best = Math.max(best, value);
          }
    total += best;
  }
  return total / clicked.length;
}

describe('grid start of the weight search', () => {
  it('reaches at least the exhaustive grid optimum of every query category on the training clicks', () => {
    const train = lists(900, 11);
    const optimum = gridOptimum(train);
    const model = fresh();
    const r = searchReweighting(model, train, { propensities: props, categorical: [0, 1] });
    expect(optimum).toBeGreaterThan(r.start + 0.02);
    expect(r.end).toBeGreaterThanOrEqual(optimum - 1e-9);
    // The weights it writes give every category its own: the reliable source weighs most where it is reliable.
    const at = (q: number[]) => model.reweight(Float32Array.from(q)).scoreWeight;
    expect(at([1, 0])[1]!).toBeGreaterThan(at([1, 0])[0]!);
    expect(at([0, 1])[2]!).toBeGreaterThan(at([0, 1])[0]!);
    expect(at([1, 1])[0]!).toBeGreaterThan(at([1, 1])[1]!);
  });

  it('never ends below the level starts alone (the best end of both is kept)', () => {
    for (const seed of [12, 14]) {
      const train = lists(600, seed);
      const both = searchReweighting(fresh(), train, { propensities: props, categorical: [0, 1] });
      const levels = searchReweighting(fresh(), train, {
        propensities: props,
        categorical: [0, 1],
        starts: 'levels',
      });
      expect(both.end).toBeGreaterThanOrEqual(levels.end);
      expect(both.end).toBeGreaterThanOrEqual(gridOptimum(train) - 1e-9);
    }
  });

  it('keeps the baseline when no grid point beats it', () => {
    // Clicks on the top shown item only: the baseline's own order is already the best any weights can give.
    const train = lists(300, 13).map((l) => ({
      ...l,
      relevance: Float32Array.from(l.relevance, (_, i) => (i === 0 ? 1 : 0)),
    }));
    const model = fresh();
    const r = searchReweighting(model, train, { propensities: props, categorical: [0, 1] });
    expect(r.end).toBe(r.start);
    expect([...model.params].every((p, i) => i === model.o.lwb || p === 0)).toBe(true);
  });
});
