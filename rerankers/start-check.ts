import type { Clickthrough } from '../src/domain/clickthrough.js';
import { FusionModel } from './model/fusion-model.js';
import type { ModelShape } from './model/layout.js';
import type { TrainList } from './model/samples.js';
import { clearlyBetter, shrunk, type Selection } from './model/selection.js';
import { searchReweighting, type WeightSearchOptions } from './model/weight-search.js';
import { foldsByQuery, sampleByQuery } from './query-split.js';
import { Rng } from './random.js';

/** Folds of the cross-validation that decides how far the searched start may depart from the baseline. */
export const START_FOLDS = 4;

/**
 * Standard errors a step of the start must gain by, out of fold. 0: a positive out-of-fold gain on every pool query
 * suffices. The start is a handful of weights per query category (the capacity of weights tuned by hand) judged on
 * all pool queries, not the best of many noisy tries; the gradient's departure from it, a far larger model judged on
 * one validation fold, needs SELECTION_Z.
 */
export const START_Z = 0;

/**
 * Impressions the cross-validation reads at most (whole query groups past this). It decides one of three shrinkage
 * levels; 60k impressions decide that as well as a 1M-click log does, at a fraction of the cost (3 levels x 4 folds
 * of scoring, and a weight search per fold).
 */
export const START_MAX_IMPRESSIONS = 60_000;

/**
 * Times the K-fold split is drawn afresh (repeated cross-validation). Each repeat adds K fold searches to the start's
 * committee and one more out-of-fold value to every pool impression. One greedy search on a few hundred queries
 * picks among near-ties by noise, and the K folds of one split share most of their queries: the searches of one split
 * make the same picks, and a slightly different log picks differently. Folds drawn again fall differently. So the mean
 * over more of them keeps what the log supports rather than what one split's noise chose. The same holds for the
 * choice of lambda, which is then made on every impression's mean over the repeats. Cost: START_REPEATS x K
 * searches on at most START_MAX_IMPRESSIONS impressions (a few seconds on a 1M-click log).
 */
export const START_REPEATS = 3;

/**
 * How far the coordinate-searched weights (the fit's warm start) may depart from the baseline, decided on every
 * query of the selection pool by repeated K-fold cross-validation by query group: each fold's queries judge weights
 * searched on the other folds; a step (lambda of the searched correction, 0 = the baseline) is taken only when its
 * out-of-fold paired gain exceeds START_Z cluster-robust standard errors (selection.ts). A single held-out fold of
 * a dozen queries is too noisy to tell a good start from luck; all pool queries are less so.
 */
export function crossValidateStart(
  all: readonly Clickthrough[],
  shape: Omit<ModelShape, 'hidden'>,
  o: {
    toLists: (cts: readonly Clickthrough[]) => TrainList[];
    values: (m: FusionModel, cts: readonly Clickthrough[]) => Float64Array;
    search: Omit<WeightSearchOptions, 'categorical'> & { categorical: readonly number[] };
    seed?: number;
    grid?: readonly number[];
    z?: number;
    maxImpressions?: number;
    /** Splits drawn (default START_REPEATS); 1 = plain K-fold. */
    repeats?: number;
  },
): {
  lambda: number;
  folds: number;
  repeats: number;
  estimates: { lambda: number; gain: number }[];
  /** Each fold's searched log-weights (the tail of the layout from Wu): members of the start's committee. */
  members: Float32Array[];
} {
  const seed = o.seed ?? 1;
  const pool = sampleByQuery(all, o.maxImpressions ?? START_MAX_IMPRESSIONS, seed);
  const grid = o.grid ?? [0.5, 1];
  const repeats = Math.max(1, Math.floor(o.repeats ?? START_REPEATS));
  const F = shape.featureNames.length;
  // Out-of-fold values per pool impression (in pool order) for the baseline and each lambda, summed over repeats.
  const byLambda = new Map<number, Float64Array>(
    [0, ...grid].map((l) => [l, new Float64Array(pool.length)]),
  );
  const members: Float32Array[] = [];
  let clusters: Int32Array | undefined;
  let count = 0;
  for (let r = 0; r < repeats; r++) {
    // Repeat 0 is the plain K-fold split of `seed`; later repeats shuffle the query groups differently.
    const split = foldsByQuery(pool, START_FOLDS, seed + r * 7919);
    count = split.count;
    clusters = split.groups;
    if (count < 2) return { lambda: 0, folds: count, repeats, estimates: [], members: [] };
    for (let k = 0; k < count; k++) {
      const at: number[] = [];
      pool.forEach((_, i) => split.fold[i] === k && at.push(i));
      const inFold = at.map((i) => pool[i]!);
      const rest = pool.filter((_, i) => split.fold[i] !== k);
      const m = FusionModel.init(
        { ...shape, hidden: 0 },
        new Rng(1),
        new Float64Array(F),
        new Float64Array(F).fill(1),
      );
      searchReweighting(m, o.toLists(rest), o.search);
      members.push(m.params.slice(m.o.Wu));
      for (const [lambda, acc] of byLambda) {
        const v = o.values(shrunk(m, lambda), inFold);
        at.forEach((i, j) => (acc[i]! += v[j]!));
      }
    }
  }
  for (const acc of byLambda.values()) for (let i = 0; i < acc.length; i++) acc[i]! /= repeats;
  const s: Pick<Selection, 'clusters' | 'z'> = { clusters: clusters!, z: o.z ?? START_Z };
  let best = { lambda: 0, values: byLambda.get(0)! };
  const estimates: { lambda: number; gain: number }[] = [];
  for (const lambda of grid) {
    const v = byLambda.get(lambda)!;
    estimates.push({ lambda, gain: avg(v) - avg(byLambda.get(0)!) });
    if (clearlyBetter(v, best.values, s)) best = { lambda, values: v };
  }
  return { lambda: best.lambda, folds: count, repeats, estimates, members };
}

function avg(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : 0;
}
