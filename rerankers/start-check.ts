import type { Clickthrough } from '../src/feedback/training-set.js';
import { FusionModel } from './model/fusion-model.js';
import type { ModelShape } from './model/layout.js';
import type { TrainList } from './model/samples.js';
import { clearlyBetter, shrunk, type Selection } from './model/selection.js';
import {
  searchReweighting,
  type WeightSearchOptions,
  type WeightSearchResult,
} from './model/weight-search.js';
import { searchScoreFusion } from './model/category-search.js';
import { committeeStart } from './model/committee.js';
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
 * How the searched start is built: the coordinate search of the baseline's corrections over the query flags that
 * categories share ('pooled', model/weight-search.ts), weighted score fusion tuned per query category with the
 * baseline switched off ('fusion': weights tuned by hand per query kind, model/category-search.ts), or the committee
 * of both ('both'). Which generalises depends on the log and the world (a baseline worth keeping, or not), so the
 * cross-validation below decides on held-out clicks.
 */
export type StartFamily = 'pooled' | 'fusion' | 'both';
export const START_FAMILIES: readonly StartFamily[] = ['pooled', 'fusion', 'both'];

/** Each family's searched log-weights (the tail of the layout from Wu) on one set of lists. */
export function searchFamilies(
  fresh: () => FusionModel,
  lists: readonly TrainList[],
  search: Omit<WeightSearchOptions, 'categorical'> & { categorical: readonly number[] },
): Record<StartFamily, Float32Array[]> & { searched: WeightSearchResult } {
  const m = fresh();
  const searched = searchReweighting(m, lists, search);
  const pooled = m.params.slice(m.o.Wu);
  const f = fresh();
  searchScoreFusion(f, lists, search, pooled);
  const fusion = f.params.slice(f.o.Wu);
  return { pooled: [pooled], fusion: [fusion], both: [pooled, fusion], searched };
}

/** One start from a family's members: their committee over the categories of `queries` (model/committee.ts). */
export function startFrom(
  target: FusionModel,
  members: readonly Float32Array[],
  queries: readonly (ArrayLike<number> | undefined)[],
  categorical: readonly number[],
): FusionModel {
  if (members.length === 1) target.params.set(members[0]!, target.o.Wu);
  else committeeStart(target, members, queries, categorical);
  return target;
}

/**
 * How far the coordinate-searched weights (the fit's warm start) may depart from the baseline, and which search
 * family builds them, decided on every query of the selection pool by K-fold cross-validation by query group: each
 * fold's queries judge weights searched on the other folds; a candidate (a family, and lambda, the scale of its
 * searched correction, 0 = the baseline) replaces the current choice only when its out-of-fold paired gain exceeds
 * START_Z cluster-robust standard errors (selection.ts). A single held-out fold of a dozen queries is too noisy to
 * tell a good start from luck; all pool queries are less so.
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
    /** Families the cross-validation may choose among (default START_FAMILIES). */
    families?: readonly StartFamily[];
  },
): {
  lambda: number;
  family: StartFamily;
  folds: number;
  estimates: { family: StartFamily; lambda: number; gain: number }[];
  /** The chosen family's searched log-weights per fold (tails of the layout from Wu): members of the committee. */
  members: Float32Array[];
} {
  const pool = sampleByQuery(all, o.maxImpressions ?? START_MAX_IMPRESSIONS, o.seed ?? 1);
  const { fold, groups, count } = foldsByQuery(pool, START_FOLDS, o.seed ?? 1);
  const grid = o.grid ?? [0.5, 1];
  const families = o.families ?? START_FAMILIES;
  if (count < 2)
    return { lambda: 0, family: families[0]!, folds: count, estimates: [], members: [] };
  const F = shape.featureNames.length;
  const fresh = () =>
    FusionModel.init(
      { ...shape, hidden: 0 },
      new Rng(1),
      new Float64Array(F),
      new Float64Array(F).fill(1),
    );
  // Out-of-fold values per impression, in fold order, for the baseline and each family and lambda.
  const key = (f: StartFamily, lambda: number) => `${f}@${lambda}`;
  const baseline: number[] = [];
  const byCandidate = new Map<string, number[]>(
    families.flatMap((f) => grid.map((l) => [key(f, l), []] as [string, number[]])),
  );
  const clusters: number[] = [];
  const members = new Map<StartFamily, Float32Array[]>(families.map((f) => [f, []]));
  for (let k = 0; k < count; k++) {
    const inFold = pool.filter((_, i) => fold[i] === k);
    const rest = pool.filter((_, i) => fold[i] !== k);
    const queries = rest.map((c) => c.queryFeatures);
    const found = searchFamilies(fresh, o.toLists(rest), o.search);
    // A loop, not push(...values): a fold of a 1M-click log holds ~150k impressions, past V8's argument limit.
    for (const v of o.values(fresh(), inFold)) baseline.push(v);
    for (const f of families) {
      const start = startFrom(fresh(), found[f], queries, o.search.categorical);
      members.get(f)!.push(...found[f]);
      for (const lambda of grid) {
        const acc = byCandidate.get(key(f, lambda))!;
        for (const v of o.values(shrunk(start, lambda), inFold)) acc.push(v);
      }
    }
    pool.forEach((_, i) => fold[i] === k && clusters.push(groups[i]!));
  }
  const s: Pick<Selection, 'clusters' | 'z'> = { clusters, z: o.z ?? START_Z };
  let best = { family: families[0]!, lambda: 0, values: baseline };
  const estimates: { family: StartFamily; lambda: number; gain: number }[] = [];
  for (const family of families)
    for (const lambda of grid) {
      const v = byCandidate.get(key(family, lambda))!;
      estimates.push({ family, lambda, gain: avg(v) - avg(baseline) });
      if (clearlyBetter(v, best.values, s)) best = { family, lambda, values: v };
    }
  return {
    lambda: best.lambda,
    family: best.family,
    folds: count,
    estimates,
    members: members.get(best.family)!,
  };
}
function avg(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}
