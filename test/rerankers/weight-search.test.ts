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
});
