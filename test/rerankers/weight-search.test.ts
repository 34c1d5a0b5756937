import { describe, expect, it } from 'vitest';
import { FusionModel } from '../../rerankers/model/fusion-model.js';
import type { ModelShape } from '../../rerankers/model/layout.js';
import type { TrainList } from '../../rerankers/model/samples.js';
import { searchReweighting } from '../../rerankers/model/weight-search.js';
import { Rng } from '../../rerankers/random.js';

/** Two sources with their parts of the baseline; the query's one 0/1 feature says which source to trust. */
const shape: Omit<ModelShape, 'hidden'> = {
  featureNames: ['baseline', 'part:s0', 'part:s1'],
  queryFeatureNames: ['trust_s1'],
  groups: [
    { name: 's0', features: [1] },
    { name: 's1', features: [2] },
  ],
  baseline: { feature: 0, fusion: 'weighted', parts: [1, 2] },
};
const props = [1, 0.5, 0.33, 0.25, 0.2, 0.17, 0.14, 0.12, 0.11, 0.1];

function freshModel(): FusionModel {
  return FusionModel.init(
    { ...shape, hidden: 0 },
    new Rng(1),
    new Float64Array(3),
    new Float64Array(3).fill(1),
  );
}

/** Lists of 10 shown in baseline order; clicks go to the best item by the trusted source (or by the baseline). */
function lists(n: number, clicksFollow: 'trusted' | 'baseline', seed: number): TrainList[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const trust = rng.next() < 0.5 ? 1 : 0;
    const items = Array.from({ length: 10 }, () => {
      const p0 = rng.next() * 0.5;
      const p1 = rng.next() * 0.5;
      return { p0, p1, base: p0 + p1 };
    }).sort((a, b) => b.base - a.base);
    const key = (x: (typeof items)[number]) =>
      clicksFollow === 'baseline' ? x.base : trust ? x.p1 : x.p0;
    const best = items.reduce((b, x, i) => (key(x) > key(items[b]!) ? i : b), 0);
    return {
      n: 10,
      rows: Float32Array.from(items.flatMap((x) => [x.base, x.p0, x.p1])),
      query: Float32Array.from([trust]),
      relevance: Float32Array.from(items, (_, i) => (i === best ? 1 : 0)),
      positions: Int32Array.from(items, (_, i) => i),
    };
  });
}

describe('coordinate search of the preset weights per query category', () => {
  it('learns to trust the source each category of query rewards, and ranks clicked items higher', () => {
    const model = freshModel();
    const train = lists(400, 'trusted', 2);
    const r = searchReweighting(model, train, { propensities: props, categorical: [0] });
    expect(r.end).toBeGreaterThan(r.start + 0.1);
    // The category's own coordinate moved: s1 gains weight where trust_s1 = 1, relative to s0.
    const onTrust = model.reweight(Float32Array.from([1])).reweight;
    const offTrust = model.reweight(Float32Array.from([0])).reweight;
    expect(onTrust[1]! / onTrust[0]!).toBeGreaterThan(2);
    expect(offTrust[0]! / offTrust[1]!).toBeGreaterThan(2);
    // The tuned weights carry to new lists of the same world.
    const test = lists(200, 'trusted', 3);
    const hits = (m: FusionModel) =>
      test.reduce((acc, l) => {
        const s = m.forward(l.rows, l.n, l.query).scores;
        const top = s.indexOf(Math.max(...s));
        return acc + l.relevance[top]!;
      }, 0);
    expect(hits(model)).toBeGreaterThan(hits(freshModel()) + 40);
  });

  it('keeps the preset when the clicks already follow it', () => {
    const model = freshModel();
    const r = searchReweighting(model, lists(300, 'baseline', 4), {
      propensities: props,
      categorical: [0],
    });
    expect(r.moved).toEqual([]);
    expect(r.end).toBe(r.start);
    expect([...model.reweight(Float32Array.from([1])).reweight]).toEqual([1, 1]);
  });

  it('from a rank-based baseline, learns score fusion for the category of query whose clicks follow scores', () => {
    // RRF-like parts (1 / (61 + rank) per source, over the list's best) beside each source's min-max score.
    const rrfShape: Omit<ModelShape, 'hidden'> = {
      featureNames: ['baseline', 'part:s0', 'norm:s0', 'part:s1', 'norm:s1'],
      queryFeatureNames: ['scores_matter'],
      groups: [
        { name: 's0', features: [2] },
        { name: 's1', features: [4] },
      ],
      baseline: { feature: 0, fusion: 'rrf', parts: [1, 3], scoreParts: [2, 4] },
    };
    const rrfLists = (n: number, seed: number): TrainList[] => {
      const rng = new Rng(seed);
      return Array.from({ length: n }, () => {
        const scores = rng.next() < 0.5 ? 1 : 0;
        // Skewed scores: a source's best item often stands far above the rest, which ranks cannot see.
        const raw = Array.from({ length: 10 }, () => [rng.next() ** 4, rng.next() ** 4]);
        const rankOf = (s: number) => {
          const order = raw.map((_, i) => i).sort((a, b) => raw[b]![s]! - raw[a]![s]!);
          const r = new Array<number>(10);
          order.forEach((i, k) => (r[i] = k));
          return r;
        };
        const [r0, r1] = [rankOf(0), rankOf(1)];
        const norm = (s: number, i: number) => {
          const col = raw.map((x) => x[s]!);
          const [lo, hi] = [Math.min(...col), Math.max(...col)];
          return (raw[i]![s]! - lo) / (hi - lo);
        };
        const items = raw.map((_, i) => {
          const p0 = 1 / (61 + r0[i]!);
          const p1 = 1 / (61 + r1[i]!);
          return { p0, p1, n0: norm(0, i), n1: norm(1, i), base: p0 + p1 };
        });
        const max = Math.max(...items.map((x) => x.base));
        items.sort((a, b) => b.base - a.base);
        const key = (x: (typeof items)[number]) => (scores ? x.n0 + x.n1 : x.base);
        const best = items.reduce((b, x, i) => (key(x) > key(items[b]!) ? i : b), 0);
        return {
          n: 10,
          rows: Float32Array.from(
            items.flatMap((x) => [x.base / max, x.p0 / max, x.n0, x.p1 / max, x.n1]),
          ),
          query: Float32Array.from([scores]),
          relevance: Float32Array.from(items, (_, i) => (i === best ? 1 : 0)),
          positions: Int32Array.from(items, (_, i) => i),
        };
      });
    };
    const fresh = () =>
      FusionModel.init(
        { ...rrfShape, hidden: 0 },
        new Rng(1),
        new Float64Array(5),
        new Float64Array(5).fill(1),
      );
    const model = fresh();
    const r = searchReweighting(model, rrfLists(600, 5), {
      propensities: props,
      categorical: [0],
    });
    expect(r.moved.some((m) => m.block === 'score')).toBe(true);
    expect(r.end).toBeGreaterThan(r.start + 0.05);
    const test = rrfLists(300, 6);
    const hits = (m: FusionModel, scores: number) =>
      test
        .filter((l) => l.query![0] === scores)
        .reduce((acc, l) => {
          const s = m.forward(l.rows, l.n, l.query).scores;
          return acc + l.relevance[s.indexOf(Math.max(...s))]!;
        }, 0);
    // Where clicks follow scores the searched model finds many more of them; where they follow ranks it keeps up.
    expect(hits(model, 1)).toBeGreaterThan(hits(fresh(), 1) + 20);
    expect(hits(model, 0)).toBeGreaterThanOrEqual(hits(fresh(), 0) - 5);
    // Without the score family the search can only reweight the ranks, and finds less.
    const rankOnly = FusionModel.init(
      { ...rrfShape, baseline: { ...rrfShape.baseline!, scoreParts: undefined }, hidden: 0 },
      new Rng(1),
      new Float64Array(5),
      new Float64Array(5).fill(1),
    );
    searchReweighting(rankOnly, rrfLists(600, 5), { propensities: props, categorical: [0] });
    expect(hits(model, 1)).toBeGreaterThan(hits(rankOnly, 1) + 10);
  });

  it('keeps the baseline, with no score family, when the clicks already follow it', () => {
    const s2: Omit<ModelShape, 'hidden'> = {
      ...shape,
      featureNames: ['baseline', 'part:s0', 'part:s1', 'norm:s0', 'norm:s1'],
      groups: [
        { name: 's0', features: [3] },
        { name: 's1', features: [4] },
      ],
      baseline: { feature: 0, fusion: 'weighted', parts: [1, 2], scoreParts: [3, 4] },
    };
    const model = FusionModel.init(
      { ...s2, hidden: 0 },
      new Rng(1),
      new Float64Array(5),
      new Float64Array(5).fill(1),
    );
    const train = lists(300, 'baseline', 4).map((l) => ({
      ...l,
      rows: Float32Array.from({ length: 50 }, (_, k) => {
        const [i, f] = [Math.floor(k / 5), k % 5];
        return f < 3 ? l.rows[i * 3 + f]! : l.rows[i * 3 + f - 2]! * 2;
      }),
    }));
    const r = searchReweighting(model, train, {
      propensities: props,
      categorical: [0],
    });
    expect(r.moved).toEqual([]);
    expect([...model.params].every((p, i) => i === model.o.lwb || p === 0)).toBe(true);
  });
});

describe('a per-query level slope in the search', () => {
  // Two sources; each list's query features are their levels (best raw scores, 0.3-1). A source is worth more
  // in the lists where its level is high: clicks go to the best item by e^{8 (level - 0.65)}-weighted parts.
  const levelShape: Omit<ModelShape, 'hidden'> = {
    ...shape,
    queryFeatureNames: ['level:s0', 'level:s1'],
  };
  const levelOf = (g: string) => ['s0', 's1'].indexOf(g);
  const fresh = () =>
    FusionModel.init(
      { ...levelShape, hidden: 0 },
      new Rng(1),
      new Float64Array(3),
      new Float64Array(3).fill(1),
    );
  const levelLists = (n: number, seed: number): TrainList[] => {
    const rng = new Rng(seed);
    return Array.from({ length: n }, () => {
      const level = [0.3 + 0.7 * rng.next(), 0.3 + 0.7 * rng.next()];
      const w = level.map((l) => Math.exp(8 * (l - 0.65)));
      const items = Array.from({ length: 10 }, () => {
        const p0 = rng.next() * 0.5;
        const p1 = rng.next() * 0.5;
        return { p0, p1, base: p0 + p1 };
      }).sort((a, b) => b.base - a.base);
      const key = (x: (typeof items)[number]) => w[0]! * x.p0 + w[1]! * x.p1;
      const best = items.reduce((b, x, i) => (key(x) > key(items[b]!) ? i : b), 0);
      return {
        n: 10,
        rows: Float32Array.from(items.flatMap((x) => [x.base, x.p0, x.p1])),
        query: Float32Array.from(level),
        relevance: Float32Array.from(items, (_, i) => (i === best ? 1 : 0)),
        positions: Int32Array.from(items, (_, i) => i),
      };
    });
  };
  /** Position-based IPS clicks per list of a model's order of the shown items (the search's objective). */
  const ips = (m: FusionModel, ls: readonly TrainList[]) =>
    ls.reduce((acc, l) => {
      const s = m.forward(l.rows, l.n, l.query).scores;
      const order = [...s.keys()].sort((a, b) => s[b]! - s[a]! || a - b);
      return (
        acc +
        order.reduce(
          (v, i, r) => v + l.relevance[i]! * Math.min(10, props[r]! / props[l.positions![i]!]!),
          0,
        )
      );
    }, 0) / ls.length;

  it('weighs each source by its level where clicks say so, and the model it writes ranks as the search scored it', () => {
    const train = levelLists(500, 7);
    const model = fresh();
    const r = searchReweighting(model, train, { propensities: props, categorical: [], levelOf });
    expect(r.moved.some((m) => m.block === 'level' && m.value > 0)).toBe(true);
    // The slope is searched around the mean level and written back for the raw level the model reads: the same
    // order, so the same objective.
    expect(ips(model, train)).toBeCloseTo(r.end, 6);
    const test = levelLists(300, 8);
    expect(ips(model, test)).toBeGreaterThan(ips(fresh(), test) + 0.05);
    // Without the level slope, no query feature separates the lists: the search can only move the overall weights.
    const flat = fresh();
    searchReweighting(flat, train, { propensities: props, categorical: [] });
    expect(ips(model, test)).toBeGreaterThan(ips(flat, test) + 0.03);
  });

  it('leaves the slopes at 0 when clicks do not depend on the level', () => {
    const train = lists(300, 'baseline', 4).map((l, k) => ({
      ...l,
      query: Float32Array.from([0.3 + ((k * 0.37) % 0.7), 0.3 + ((k * 0.61) % 0.7)]),
    }));
    const model = fresh();
    const r = searchReweighting(model, train, { propensities: props, categorical: [], levelOf });
    expect(r.moved).toEqual([]);
    expect([...model.params].every((p, i) => i === model.o.lwb || p === 0)).toBe(true);
  });
});
