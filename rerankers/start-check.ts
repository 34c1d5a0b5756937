import type { Clickthrough } from '../src/feedback/training-set.js';
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
 * How far the coordinate-searched weights (the fit's warm start) may depart from the baseline, decided on every
 * query of the selection pool by K-fold cross-validation by query group: each fold's queries judge weights
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
  },
): {
  lambda: number;
  folds: number;
  estimates: { lambda: number; gain: number }[];
  /** Each fold's searched log-weights (the tail of the layout from Wu): members of the start's committee. */
  members: Float32Array[];
} {
  const pool = sampleByQuery(all, o.maxImpressions ?? START_MAX_IMPRESSIONS, o.seed ?? 1);
  const { fold, groups, count } = foldsByQuery(pool, START_FOLDS, o.seed ?? 1);
  const grid = o.grid ?? [0.5, 1];
  if (count < 2) return { lambda: 0, folds: count, estimates: [], members: [] };
  const F = shape.featureNames.length;
  // Out-of-fold values per impression, in fold order, for the baseline and each lambda.
  const byLambda = new Map<number, number[]>([
    [0, []],
    ...grid.map((l) => [l, []] as [number, number[]]),
  ]);
  const clusters: number[] = [];
  const members: Float32Array[] = [];
  for (let k = 0; k < count; k++) {
    const inFold = pool.filter((_, i) => fold[i] === k);
    const rest = pool.filter((_, i) => fold[i] !== k);
    const m = FusionModel.init(
      { ...shape, hidden: 0 },
      new Rng(1),
      new Float64Array(F),
      new Float64Array(F).fill(1),
    );
    searchReweighting(m, o.toLists(rest), o.search);
    members.push(m.params.slice(m.o.Wu));
    // A loop, not push(...values): a fold of a 1M-click log holds ~150k impressions, past V8's argument limit.
    for (const [lambda, acc] of byLambda)
      for (const v of o.values(shrunk(m, lambda), inFold)) acc.push(v);
    pool.forEach((_, i) => fold[i] === k && clusters.push(groups[i]!));
  }
  const s: Pick<Selection, 'clusters' | 'z'> = { clusters, z: o.z ?? START_Z };
  let best = { lambda: 0, values: byLambda.get(0)! };
  const estimates: { lambda: number; gain: number }[] = [];
  for (const lambda of grid) {
    const v = byLambda.get(lambda)!;
    estimates.push({ lambda, gain: avg(v) - avg(byLambda.get(0)!) });
    if (clearlyBetter(v, best.values, s)) best = { lambda, values: v };
  }
  return { lambda: best.lambda, folds: count, estimates, members };
}

function avg(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}
