import { describe, expect, it } from 'vitest';
import { modelScorer, perImpressionClicks } from '../../rerankers/counterfactual.js';
import {
  buildFeatureRows,
  CATEGORICAL_QUERY_FEATURES,
  levelIndex,
  defaultFeatureSpec,
} from '../../rerankers/features/index.js';
import { averageSearchedWeights, committeeStart } from '../../rerankers/model/committee.js';
import { FusionModel } from '../../rerankers/model/fusion-model.js';
import type { ModelShape } from '../../rerankers/model/layout.js';
import { shapeForSpec } from '../../rerankers/model/spec-shape.js';
import { searchReweighting } from '../../rerankers/model/weight-search.js';
import { GUARD_SHARE, splitForGuard } from '../../rerankers/query-split.js';
import { Rng } from '../../rerankers/random.js';
import { crossValidateStart, START_FOLDS, START_REPEATS } from '../../rerankers/start-check.js';
import { aggregateLists, trainFromClickthroughs } from '../../rerankers/train-from-logs.js';
import type { Candidate } from '../../src/domain/candidate.js';
import type { Clickthrough } from '../../src/domain/clickthrough.js';

/** Two sources, each with an RRF-like part of the baseline and a min-max score; a query kind (one-hot) and a shape. */
const shape: ModelShape = {
  featureNames: ['baseline', 'part:s0', 'norm:s0', 'part:s1', 'norm:s1'],
  queryFeatureNames: ['kind:a', 'kind:b', 'kind:c', 'sharpness'],
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

const KINDS = [0, 1, 2];
/** Equal up to float32 parameters (and the solve's tiny ridge): relative 1e-4. */
const close = (got: number | undefined, want: number) =>
  expect(Math.abs(got! - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));

/** A searched start: random log-weights on the kind flags and the biases (some past the bounds), 0 elsewhere. */
function member(rng: Rng): FusionModel {
  const m = fresh();
  const { G, Wu, bu, Wv, bv } = m.o;
  for (let g = 0; g < G; g++) {
    m.params[bu + g] = rng.normal() * 2;
    m.params[bv + g] = rng.normal() * 2;
    for (const f of KINDS) {
      m.params[Wu + f * G + g] = rng.normal() * 2;
      m.params[Wv + f * G + g] = rng.normal() * 3;
    }
  }
  return m;
}

const categories = [
  [1, 0, 0, 0.3],
  [0, 1, 0, 0.7],
  [0, 0, 1, 0.1],
].map((x, i) => ({ x: Float32Array.from(x), lists: 5 + i * 10 }));

describe('the committee of searched starts (bagging the coordinate search)', () => {
  it("gives each query category the mean of the members' weights, so it scores a list as the mean of their scores", () => {
    const rng = new Rng(3);
    const members = Array.from({ length: 5 }, () => member(rng));
    const committee = fresh();
    averageSearchedWeights(
      committee,
      members.map((m) => m.params.slice(m.o.Wu)),
      categories,
      KINDS,
    );
    for (const { x } of categories) {
      const got = committee.reweight(x);
      const want = members.map((m) => m.reweight(x));
      for (let g = 0; g < 2; g++) {
        const meanPart = want.reduce((a, w) => a + w.reweight[g]!, 0) / want.length;
        const meanScore = want.reduce((a, w) => a + w.scoreWeight[g]!, 0) / want.length;
        close(got.reweight[g], meanPart);
        close(got.scoreWeight[g], meanScore);
      }
      // No correction yet: each score is linear in the weights, so the committee's is the members' mean score.
      const rows = Float32Array.from({ length: 10 * F }, () => rng.next());
      const scores = committee.forward(rows, 10, x).scores;
      const each = members.map((m) => m.forward(rows, 10, x).scores);
      for (let i = 0; i < 10; i++) {
        const mean = each.reduce((a, s) => a + s[i]!, 0) / each.length;
        close(scores[i], mean);
      }
    }
  });

  it('is the member itself when there is one, and touches nothing outside the searched weights', () => {
    const rng = new Rng(9);
    const one = member(rng);
    const committee = fresh();
    const before = committee.params.slice(0, committee.o.Wu);
    averageSearchedWeights(committee, [one.params.slice(one.o.Wu)], categories, KINDS);
    expect(committee.params.slice(0, committee.o.Wu)).toEqual(before);
    for (const { x } of categories) {
      const got = committee.reweight(x);
      const want = one.reweight(x);
      for (let g = 0; g < 2; g++) {
        close(got.reweight[g], want.reweight[g]!);
        close(got.scoreWeight[g], want.scoreWeight[g]!);
      }
    }
  });
});

/**
 * Queries of two kinds over the same two sources (text, image): clicks follow the text score on text queries and the
 * image score on image queries; the log's ranker is RRF. Rows from the real extractor.
 */
function twoKindLog(sessions: number, seed: number): Clickthrough[] {
  const rng = new Rng(seed);
  const spec = defaultFeatureSpec();
  const out: Clickthrough[] = [];
  for (let s = 0; s < sessions; s++) {
    const kind = s % 2 ? 'text' : 'image';
    const raw = Array.from({ length: 30 }, () => ({ text: rng.next(), image: rng.next() }));
    const rankBy = (m: 'text' | 'image') => {
      const order = raw.map((_, i) => i).sort((a, b) => raw[b]![m] - raw[a]![m]);
      const r = new Array<number>(raw.length);
      order.forEach((i, k) => (r[i] = k));
      return r;
    };
    const [rt, ri] = [rankBy('text'), rankBy('image')];
    const cands: Candidate[] = raw.map((x, i) => ({
      id: `s${s}-i${i}`,
      payload: {},
      sources: {
        text: { source: 'text', score: x.text, rank: rt[i]! },
        image: { source: 'image', score: x.image, rank: ri[i]! },
      },
    }));
    const fr = buildFeatureRows(
      cands,
      { queryKind: kind, queryModalities: ['text', 'image'] },
      spec,
    );
    const shown = cands
      .map((_, i) => i)
      .sort((a, b) => fr.baselineScores[b]! - fr.baselineScores[a]!)
      .slice(0, 10);
    const items = shown.map((i, position) => {
      const rel = raw[i]![kind] ** 3;
      const clicked = rng.next() < rel / (position + 1);
      return {
        id: cands[i]!.id,
        position,
        features: fr.rows[i]!,
        clicked,
        label: clicked ? 1 : 0,
      };
    });
    out.push({
      queryId: `s${s}`,
      collection: 'c',
      rankerVersion: 'rrf',
      timestamp: s,
      queryFeatures: fr.queryFeatures,
      items,
    });
  }
  return out;
}

describe('the searched start of a training run', () => {
  it.each(['cross-fit', 'holdout'] as const)(
    "is the committee of the whole pool's search and the cross-validation's fold searches, scaled as cross-validated (guard: %s)",
    (guard) => {
      const cts = twoKindLog(600, 5);
      const trained = trainFromClickthroughs(cts, { epochs: 0, seed: 1, guard });
      const lambda = trained.metrics.startShrinkage;
      expect(lambda).toBeGreaterThan(0);
      // The same pieces, rebuilt here: the pool the guard leaves (every query when the guard is cross-fitted: the
      // shipped model is the procedure on all of them), the fold searches, the whole pool's search.
      const shape = shapeForSpec(defaultFeatureSpec(), undefined, { baseline: 'rrf' });
      const pool = guard === 'holdout' ? splitForGuard(cts, GUARD_SHARE, 1).pool : cts;
      const props = trained.propensities;
      const search = {
        propensities: props,
        clip: 10,
        categorical: CATEGORICAL_QUERY_FEATURES,
        levelOf: levelIndex,
      };
      const check = crossValidateStart(pool, shape, {
        toLists: aggregateLists,
        values: (m, c) => perImpressionClicks(modelScorer(m), c, props, 10).values,
        search,
        seed: 1,
      });
      expect(check.lambda).toBe(lambda);
      const blank = () =>
        FusionModel.init(
          { ...shape, hidden: 0 },
          new Rng(1),
          new Float64Array(shape.featureNames.length),
          new Float64Array(shape.featureNames.length).fill(1),
        );
      const whole = blank();
      searchReweighting(whole, aggregateLists(pool), search);
      const committee = blank();
      committeeStart(
        committee,
        [...check.members, whole.params.slice(whole.o.Wu)],
        pool.map((c) => c.queryFeatures),
        CATEGORICAL_QUERY_FEATURES,
        levelIndex,
      );
      for (const m of [whole, committee])
        for (let i = m.o.Wu; i < m.o.size; i++) m.params[i]! *= lambda;
      let apart = 0;
      for (const ct of [cts[0]!, cts[1]!]) {
        const x = ct.queryFeatures!;
        const got = trained.model.reweight(x);
        const want = committee.reweight(x);
        const single = whole.reweight(x);
        for (let g = 0; g < got.reweight.length; g++) {
          close(got.reweight[g], want.reweight[g]!);
          close(got.scoreWeight[g], want.scoreWeight[g]!);
          apart = Math.max(
            apart,
            Math.abs(single.reweight[g]! - want.reweight[g]!),
            Math.abs(single.scoreWeight[g]! - want.scoreWeight[g]!),
          );
        }
      }
      // The committee is not the whole pool's search alone (what the start was before).
      expect(apart).toBeGreaterThan(0.01);
    },
  );
});

describe('the repeated cross-validation of the start', () => {
  const cts = twoKindLog(400, 8);
  const props = [1, 0.5, 0.33, 0.25, 0.2, 0.17, 0.14, 0.12, 0.11, 0.1];
  const shape = shapeForSpec(defaultFeatureSpec(), undefined, { baseline: 'rrf' });
  const check = (o: { seed: number; repeats?: number }) =>
    crossValidateStart(cts, shape, {
      toLists: aggregateLists,
      values: (m, c) => perImpressionClicks(modelScorer(m), c, props, 10).values,
      search: { propensities: props, clip: 10, categorical: CATEGORICAL_QUERY_FEATURES },
      ...o,
    });
  const plain = [0, 1, 2].map((r) => check({ seed: 3 + r * 7919, repeats: 1 }));
  const repeated = check({ seed: 3 });

  it('draws START_REPEATS splits, the first the plain K-fold split, and commits every fold search', () => {
    expect(repeated.repeats).toBe(START_REPEATS);
    expect(START_REPEATS).toBeGreaterThan(1);
    expect(repeated.members).toHaveLength(START_REPEATS * START_FOLDS);
    expect(plain[0]!.members).toHaveLength(START_FOLDS);
    plain.forEach((p, r) =>
      p.members.forEach((m, k) => expect(repeated.members[r * START_FOLDS + k]).toEqual(m)),
    );
    // The later splits fall differently: their fold searches are not the first split's again.
    const same = (a: Float32Array, b: Float32Array) => a.every((x, i) => x === b[i]);
    expect(plain[1]!.members.every((m) => plain[0]!.members.some((n) => same(m, n)))).toBe(false);
  });

  it("judges each lambda on every impression's mean out-of-fold value over the splits", () => {
    expect(repeated.estimates.map((e) => e.lambda)).toEqual([0.5, 1]);
    repeated.estimates.forEach((e, j) => {
      const mean = plain.reduce((a, p) => a + p.estimates[j]!.gain, 0) / plain.length;
      expect(Math.abs(e.gain - mean)).toBeLessThan(1e-9);
    });
    // Clicks follow one source per kind: the searched start clearly gains out of fold.
    expect(repeated.lambda).toBeGreaterThan(0);
  });
});
