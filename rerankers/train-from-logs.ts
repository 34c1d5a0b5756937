import { estimateFromSwaps } from './click-models/swap-intervention.js';
import { monotonePropensities } from './click-models/monotone.js';
import { fitPositionBasedModel } from './click-models/position-based-em.js';
import type { Clickthrough } from '../src/domain/clickthrough.js';
import { toClickSessions } from './click-models/sessions.js';
import { ChorusError } from '../src/errors.js';
import {
  estimateCtr,
  featureScorer,
  meanInterval,
  modelScorer,
  perImpressionClicks,
  type CounterfactualEstimate,
} from './counterfactual.js';
import {
  compareHeldOut,
  compareOutOfFold,
  type GuardKind,
  type HeldOutComparison,
} from './held-out.js';
import { rowInBounds } from '../src/domain/feature-rows.js';
import { MIN_CLICKED_IMPRESSIONS } from '../src/domain/clickthrough.js';
import {
  BASELINE_KINDS,
  CATEGORICAL_QUERY_FEATURES,
  levelIndex,
  defaultFeatureSpec,
  QUERY_FEATURE_NAMES,
  type FeatureSpec,
} from './features/index.js';
import { FusionModel } from './model/fusion-model.js';
import {
  searchHyperparameters,
  type SearchSpace,
  type Trial,
} from './model/hyperparameter-search.js';
import type { LossName } from './model/losses.js';
import type { EvalList, TrainList } from './model/samples.js';
import { shapeForSpec } from './model/spec-shape.js';
import { selectDeparture, type Selection } from './model/selection.js';
import { evaluateNdcg, fit, type FitOptions } from './model/trainer.js';
import { searchReweighting, type WeightSearchResult } from './model/weight-search.js';
import {
  foldsByQuery,
  queryGroups,
  splitByQuery,
  splitForGuard,
  GUARD_SHARE,
  MIN_GUARD_QUERIES,
} from './query-split.js';
import { crossValidateStart } from './start-check.js';
import { ListMemo } from './list-memo.js';
import { committeeStart } from './model/committee.js';

export interface TrainFromLogsOptions {
  spec?: FeatureSpec;
  loss?: LossName;
  hidden?: number;
  lr?: number;
  epochs?: number;
  ipsClip?: number;
  gateTemperature?: number;
  seed?: number;
  /** Share of the selection pool's query groups held out whole for validation (early stopping, departure). */
  validationShare?: number;
  /**
   * How the promotion guard's evidence is made (held-out.ts): `cross-fit` (default) judges each of `guardFolds`
   * query-group folds by the procedure fitted without it and ships the procedure refitted on every query;
   * `holdout` holds `guardShare` of the query groups out of everything and ships the fit on the rest.
   */
  guard?: GuardKind;
  /** Folds of the cross-fitted guard (default GUARD_FOLDS, 3): each costs one more fit on (k-1)/k of the log. */
  guardFolds?: number;
  /**
   * With `guard: 'holdout'`: share of all query groups held out whole for the promotion guard before anything else
   * (never used for selection; at least MIN_GUARD_QUERIES, see query-split.ts). Default GUARD_SHARE (0.2).
   */
  guardShare?: number;
  /** Hyperparameter search: none, grid, or random with `trials` draws. */
  search?: 'none' | 'grid' | 'random';
  trials?: number;
  space?: Partial<SearchSpace>;
  /**
   * Known relative examination by position (position 0 first, 1 there), e.g. measured by a randomised experiment:
   * used as given instead of estimated from the clicks. Benchmarks fit oracles on true grades with a flat curve.
   */
  propensities?: readonly number[];
  /** Swap sessions needed before swap-based propensities are preferred to regression-EM. */
  minSwapSessions?: number;
  maxPositions?: number;
  /** Cap on the held-out lists evaluated each epoch (and for the counterfactual estimate). */
  maxValidationLists?: number;
  /** Cap on the sessions regression-EM reads. */
  emSessions?: number;
  /** Clicks a position needs before its estimated propensity is used (else the prior 1/(rank+1)); default 20. */
  minClicksPerPosition?: number;
  /** Bound of the residual term (score units; the baseline term spans about 5). */
  residualCap?: number;
  /** Let the model read item priors (CTR, popularity); off by default (they carry no query evidence). */
  itemPriors?: boolean;
  /** L2 pull of the correction toward the baseline. */
  l2?: number;
  /** Early stopping: epochs without a better held-out score before stopping. */
  patience?: number;
  /**
   * Start the gradient fit from the preset's weights tuned per query category by coordinate search on the training
   * clicks (default true); held-out queries then decide between that start and the gradient's later epochs.
   */
  weightSearch?: boolean;
  onEpoch?: FitOptions['onEpoch'];
  /** Told each stage's wall time as it ends (benchmarks print where a fit spends its time). */
  onStage?: (stage: TrainStage, seconds: number) => void;
}

/** `guard`: the cross-fitted guard's fold fits, together (the refit's stages follow as usual). */
export type TrainStage =
  'propensities' | 'guard' | 'split' | 'start-check' | 'fit' | 'departure' | 'held-out';

export { compareHeldOut, type GuardKind, type HeldOutComparison };

export interface TrainedFromLogs {
  model: FusionModel;
  propensities: number[];
  propensitySource: 'swaps' | 'regression-em' | 'pairs-em' | 'prior' | 'given';
  /** Set when clicks were too few at some positions and the prior curve was used there. */
  propensityNote?: string;
  metrics: {
    validationNdcg10: number;
    trainLists: number;
    validationLists: number;
    trainQueries: number;
    validationQueries: number;
    bestEpoch: number;
    /** Held-out step from the tuned start toward the gradient fit (0 = the start itself). */
    shrinkage: number;
    /** Cross-validated scale of the tuned start's departure from the baseline (0 = the baseline itself). */
    startShrinkage: number;
    /** The guard's kind and how many fold models made its candidate side (1 for a holdout). */
    guard: { kind: GuardKind; folds: number };
    /** Query groups and impressions the promotion guard reads (out of sample for the model that scored them). */
    guardQueries: number;
    guardLists: number;
    counterfactual: CounterfactualEstimate;
    heldOut: HeldOutComparison;
    trials?: Trial[];
  };
  /** Impression query ids of the guard's held-out queries (the promotion guard re-reads them). */
  heldOutQueryIds: string[];
  /** Cross-fitted guard: each fold's impression query ids and the model fitted without them. */
  guardFolds?: { queryIds: string[]; model: FusionModel }[];
  trainedFrom: number;
  trainedTo: number;
}

const toTrain = (c: Clickthrough): TrainList => ({
  n: c.items.length,
  rows: packItems(c),
  query: c.queryFeatures,
  relevance: Float32Array.from(c.items.map((i) => i.label)),
  positions: Int32Array.from(c.items.map((i) => i.position)),
});
const toEval = (c: Clickthrough): EvalList => ({
  n: c.items.length,
  rows: packItems(c),
  query: c.queryFeatures,
  labels: Float32Array.from(c.items.map((i) => i.label)),
});

function packItems(c: Clickthrough): Float32Array {
  const F = c.items[0]?.features.length ?? 0;
  const out = new Float32Array(c.items.length * F);
  c.items.forEach((it, i) => out.set(it.features, i * F));
  return out;
}

/**
 * Clickthroughs (impressions joined with interactions, features as served) -> a trained fusion model:
 * propensities from randomised swaps when there are enough, else regression-EM; a train/validation split by
 * query; IPS-weighted training of the correction to the baseline, early-stopped on the held-out queries'
 * counterfactual clicks; the correction shrunk toward the baseline as far as those queries say; and the
 * promotion guard's evidence: by default that whole procedure cross-fitted over GUARD_FOLDS query-group folds
 * (each fold judged by the procedure fitted without it, the shipped model fitted on every query), the candidate's
 * out-of-fold estimate beside the baseline's, with 95% intervals.
 */
export function trainFromClickthroughs(
  cts: readonly Clickthrough[],
  o: TrainFromLogsOptions = {},
): TrainedFromLogs {
  const spec = o.spec ?? defaultFeatureSpec();
  const shape = shapeForSpec(spec, o.residualCap, {
    itemPriors: o.itemPriors,
    baseline: loggedBaseline(cts),
  });
  // Non-finite or unbounded inputs never reach the fit (a Float32 row of 1e300 is Infinity, and one poisons EM).
  const usable = cts.filter(
    (c) =>
      c.items.length > 1 &&
      c.items.every(
        (i) => i.features.length === shape.featureNames.length && rowInBounds(i.features),
      ) &&
      (!c.queryFeatures || rowInBounds(c.queryFeatures)),
  );
  if (usable.filter((c) => c.items.some((i) => i.clicked)).length < MIN_CLICKED_IMPRESSIONS) {
    throw new ChorusError(
      'CONFLICT',
      `not enough logged feedback to train: ${usable.length} impressions with served features of spec version ${spec.version}, need at least ${MIN_CLICKED_IMPRESSIONS} with clicks`,
    );
  }
  let stageStart = performance.now();
  const stage = (name: TrainStage) => {
    const now = performance.now();
    o.onStage?.(name, (now - stageStart) / 1000);
    stageStart = now;
  };
  const K = o.maxPositions ?? 10;
  // Propensities need far fewer sessions than training: EM runs on at most `emSessions` (spread over the log).
  const emCap = o.emSessions ?? 30_000;
  const stride = Math.max(1, Math.floor(usable.length / emCap));
  const sessions = toClickSessions(stride > 1 ? usable.filter((_, i) => i % stride === 0) : usable);
  const swapSessions = sessions.filter((s) => s.swapped?.length);
  let propensities: number[];
  let propensitySource: TrainedFromLogs['propensitySource'];
  if (o.propensities) {
    if (!o.propensities.length || o.propensities.some((p) => !(p > 0 && p <= 1)))
      throw new ChorusError(
        'VALIDATION',
        `propensities must be a non-empty list of numbers in (0, 1], got [${o.propensities.join(', ')}]`,
      );
    propensities = [...o.propensities];
    propensitySource = 'given';
  } else if (swapSessions.length >= (o.minSwapSessions ?? 500)) {
    propensities = [...estimateFromSwaps(sessions, K).relative];
    propensitySource = 'swaps';
  } else {
    const pbm = fitPositionBasedModel(sessions, { maxPositions: K, iterations: 40 });
    propensities = [...pbm.relative];
    propensitySource = pbm.method === 'regression' ? 'regression-em' : 'pairs-em';
  }
  // Examination never rises with rank: isotonic fit of the estimate, the prior where clicks are too few.
  const clicksAt = new Array<number>(K).fill(0);
  for (const c of usable)
    for (const it of c.items) if (it.clicked && it.position < K) clicksAt[it.position]!++;
  // Given propensities are a measurement, not an estimate: used as they are.
  const monotone = o.propensities
    ? { relative: propensities, source: 'given', note: undefined }
    : monotonePropensities(propensities, clicksAt, { minClicks: o.minClicksPerPosition });
  propensities = monotone.relative;
  if (monotone.source === 'prior') propensitySource = 'prior';

  stage('propensities');
  const sorted = [...usable].sort((a, b) => a.timestamp - b.timestamp);
  const ipsClip = o.ipsClip ?? 10;
  const seed = o.seed ?? 1;
  assertFinite('propensity', propensities);
  const ctx: ProcedureContext = { o, spec, shape, propensities, ipsClip, stage };
  const baselineScorer = {
    ranker: shape.baseline?.fusion ?? 'rrf',
    scorer: featureScorer(shape.baseline?.feature ?? 0),
  };
  const guardKind: GuardKind = o.guard ?? 'cross-fit';
  let final: Procedure;
  let heldOut: HeldOutComparison;
  let counterfactual: CounterfactualEstimate;
  let guardQueries: number;
  let guardLists: number;
  let guardFolds: TrainedFromLogs['guardFolds'];
  let heldOutQueryIds: string[];
  if (guardKind === 'holdout') {
    // The guard's queries first, out of reach of every choice below; the rest is the selection pool.
    const guardSplit = splitForGuard(sorted, o.guardShare ?? GUARD_SHARE, seed);
    final = fitProcedure(guardSplit.pool, ctx);
    const guardCts = guardSplit.guard;
    // The guard's queries: no choice above read them, so this estimate carries no selection bias.
    heldOut = compareHeldOut(
      modelScorer(final.model),
      baselineScorer,
      guardCts,
      propensities,
      ipsClip,
      guardSplit.guardQueries,
    );
    const evalCts = guardCts.length
      ? guardCts
      : final.valCts.length
        ? final.valCts
        : final.trainCts.filter((_, i) => i % final.vStride === 0);
    counterfactual = estimateCtr(final.model, evalCts, propensities, ipsClip);
    guardQueries = guardSplit.guardQueries;
    guardLists = guardCts.length;
    heldOutQueryIds = guardCts.map((c) => c.queryId);
  } else {
    // Cross-fitting: each fold's impressions are judged by the procedure fitted without that fold's queries (no
    // choice of that fit read them), so every impression of the log is out-of-sample guard evidence. The shipped
    // model is the same procedure on every query.
    const folds = guardFoldsOf(sorted, o.guardFolds ?? GUARD_FOLDS, seed);
    // The fold fits' stages are reported as one ('guard'); the refit's as usual.
    const quiet = { ...ctx, stage: () => {} };
    const fitted = folds.map((k) => ({
      cts: k.held,
      queryIds: k.held.map((c) => c.queryId),
      model: fitProcedure(k.rest, quiet).model,
    }));
    stage('guard');
    final = fitProcedure(sorted, ctx);
    const out = compareOutOfFold(
      fitted.map((f) => ({ cts: f.cts, scorer: modelScorer(f.model) })),
      baselineScorer,
      propensities,
      ipsClip,
      folds.length ? folds.reduce((n, k) => n + k.queries, 0) : 0,
      'cross-fit',
    );
    heldOut = out.comparison;
    // Too few query groups for folds: no guard evidence (refused), and the refit's own validation for the estimate.
    counterfactual = folds.length
      ? out.counterfactual
      : estimateCtr(
          final.model,
          final.valCts.length
            ? final.valCts
            : final.trainCts.filter((_, i) => i % final.vStride === 0),
          propensities,
          ipsClip,
        );
    guardQueries = heldOut.queries;
    guardLists = heldOut.impressions;
    heldOutQueryIds = fitted.flatMap((f) => f.queryIds);
    guardFolds = fitted.map((f) => ({ queryIds: f.queryIds, model: f.model }));
  }
  const { model, result, shrink, split, valCts, train, startCheck, searched, trials } = final;
  const validationNdcg10 = valCts.length ? evaluateNdcg(model, valCts.map(toEval), 10) : 0;
  stage('held-out');
  return {
    model,
    propensities,
    propensitySource,
    ...(monotone.note ? { propensityNote: monotone.note } : {}),
    metrics: {
      validationNdcg10,
      trainLists: train.length,
      validationLists: valCts.length,
      trainQueries: split.trainQueries,
      validationQueries: split.validationQueries,
      bestEpoch: result.bestEpoch,
      shrinkage: shrink.lambda,
      startShrinkage: startCheck?.lambda ?? 0,
      guard: { kind: guardKind, folds: heldOut.guard?.folds ?? 0 },
      guardQueries,
      guardLists,
      ...(startCheck ? { startCheck } : {}),
      // Deterministic figures only (a fit in a worker must equal the in-thread fit): no timing here.
      ...(searched
        ? {
            weightSearch: {
              start: searched.start,
              end: searched.end,
              evaluations: searched.evaluations,
              moved: searched.moved.length,
              scoreFamily: searched.moved.filter((m) => m.block === 'score').length,
            },
          }
        : {}),
      counterfactual,
      heldOut,
      ...(trials ? { trials } : {}),
    },
    heldOutQueryIds,
    ...(guardFolds ? { guardFolds } : {}),
    trainedFrom: sorted[0]!.timestamp,
    trainedTo: sorted[sorted.length - 1]!.timestamp,
  };
}

/** Folds of the cross-fitted guard (GUARD_FOLDS by default). */
export const GUARD_FOLDS = 3;

/**
 * The cross-fitted guard's folds by query group: each fold's impressions (`held`) and the rest of the log. With
 * fewer than MIN_GUARD_QUERIES groups there are none (no guard evidence: the guard refuses every candidate).
 */
export function guardFoldsOf(
  cts: readonly Clickthrough[],
  k: number,
  seed: number,
): { held: Clickthrough[]; rest: Clickthrough[]; queries: number }[] {
  // A different stream from the other splits' (the holdout guard's, validation's, the start's folds).
  const f = foldsByQuery(cts, Math.max(2, Math.floor(k)), seed * 7919 + 17);
  const groups = new Set(f.groups).size;
  if (groups < MIN_GUARD_QUERIES) return [];
  return Array.from({ length: f.count }, (_, fold) => {
    const held: Clickthrough[] = [];
    const rest: Clickthrough[] = [];
    const ids = new Set<number>();
    cts.forEach((ct, i) => {
      if (f.fold[i] === fold) {
        held.push(ct);
        ids.add(f.groups[i]!);
      } else rest.push(ct);
    });
    return { held, rest, queries: ids.size };
  });
}

interface ProcedureContext {
  o: TrainFromLogsOptions;
  spec: FeatureSpec;
  shape: ReturnType<typeof shapeForSpec>;
  propensities: number[];
  ipsClip: number;
  stage: (name: TrainStage) => void;
}

interface Procedure {
  model: FusionModel;
  result: { bestEpoch: number };
  shrink: { lambda: number };
  split: ReturnType<typeof splitByQuery>;
  trainCts: Clickthrough[];
  valCts: Clickthrough[];
  vStride: number;
  train: TrainList[];
  startCheck?: ReturnType<typeof crossValidateStart>;
  searched?: WeightSearchResult;
  trials?: Trial[];
}

/**
 * The training procedure on one set of impressions (the guard certifies this procedure): a train/validation split
 * by query, the cross-validated searched start, the gradient fit early-stopped on validation, and the departure
 * from the start as far as validation clearly supports.
 */
function fitProcedure(pool: readonly Clickthrough[], ctx: ProcedureContext): Procedure {
  const { o, spec, shape, propensities, ipsClip, stage } = ctx;
  const split = splitByQuery(pool, o.validationShare ?? 0.2, o.seed ?? 1);
  const trainCts = split.train;
  // Validation cost grows with every epoch: evaluate on at most `maxValidationLists`, spread over the held-out queries.
  const vCap = o.maxValidationLists ?? 20_000;
  const vStride = Math.max(1, Math.ceil(split.validation.length / vCap));
  const valCts = split.validation.filter((_, i) => i % vStride === 0);
  const clicksOf = (m: FusionModel, cts: readonly Clickthrough[]) =>
    perImpressionClicks(modelScorer(m), cts, propensities, ipsClip).values;
  const validate = valCts.length
    ? (m: FusionModel) => meanInterval(clicksOf(m, valCts)).estimate
    : undefined;
  // Early stopping and the departure from the start take a step only on clear held-out evidence (selection.ts).
  const selection: Selection | undefined = valCts.length
    ? { values: (m) => clicksOf(m, valCts), clusters: queryGroups(valCts) }
    : undefined;
  const toLists = (cts: readonly Clickthrough[]) =>
    (o.loss ?? 'listwise') === 'listwise' ? aggregateLists(cts) : cts.map(toTrain);
  const train = toLists(trainCts);
  const search = {
    propensities,
    clip: ipsClip,
    categorical: CATEGORICAL_QUERY_FEATURES,
    levelOf: levelIndex,
  };
  const searching = o.weightSearch !== false && shape.baseline?.parts !== undefined;
  // How far the searched start may depart from the baseline: cross-validated on every pool query.
  stage('split');
  const startCheck = searching
    ? crossValidateStart(pool, shape, {
        toLists,
        values: clicksOf,
        search,
        seed: o.seed,
      })
    : undefined;
  let searched: WeightSearchResult | undefined;
  // Each fit's start, by model: a hyperparameter search fits several (of different sizes), and the departure is
  // measured from the start of the one it keeps (the last trial's start, of another hidden size, made NaN weights).
  const anchors = new Map<FusionModel, Float32Array>();
  const warmStart = (m: FusionModel) => {
    if (searching && startCheck && startCheck.lambda > 0) {
      // Cross-validation chose how far to trust the search. The start is the committee of the search on the whole
      // pool (as one refits on all the data after cross-validating) and the cross-validation's fold searches (each
      // on 3/4 of it, START_REPEATS splits): per query category, the mean of their score functions (committee.ts). One greedy
      // search on a few hundred queries picks among near-ties by noise, and a slightly different log picks
      // differently; the mean keeps what the searches agree on. The validation queries are among the pool, which
      // can only make the gradient's later epochs look worse than the start there: a conservative bias.
      searched = searchReweighting(m, toLists(pool), search);
      committeeStart(
        m,
        [...startCheck.members, m.params.slice(m.o.Wu)],
        pool.map((c) => c.queryFeatures),
        CATEGORICAL_QUERY_FEATURES,
        levelIndex,
      );
      // Scale only the searched log-weights (Wu, bu, Wv, bv close the layout); the rest of the model is untouched.
      for (let i = m.o.Wu; i < m.o.size; i++) m.params[i]! *= startCheck.lambda;
    }
    anchors.set(m, m.params.slice());
  };
  const base = {
    shape,
    loss: o.loss ?? 'listwise',
    hidden: o.hidden ?? 16,
    lr: o.lr ?? 0.01,
    epochs: o.epochs ?? 30,
    ipsClip,
    gateTemperature: o.gateTemperature ?? 1,
    seed: o.seed ?? 1,
    l2: o.l2 ?? 1e-3,
    patience: o.patience ?? 5,
    onEpoch: o.onEpoch,
    propensities: Float64Array.from(propensities),
    validate,
    selection,
    warmStart,
  };
  stage('start-check');
  let trials: Trial[] | undefined;
  let result;
  if (o.search && o.search !== 'none' && validate) {
    const s = searchHyperparameters(train, base, {
      mode: o.search,
      trials: o.trials,
      space: o.space,
      seed: o.seed,
    });
    result = s.best;
    trials = s.trials;
  } else result = fit(train, base);
  const model = result.model;
  const anchor = anchors.get(model);
  // The gradient's departure from the start, as far as the validation queries clearly support; without held-out
  // queries there is no evidence for any departure: the model stays the baseline.
  stage('fit');
  const shrink =
    selection && anchor
      ? selectDeparture(model, anchor, selection)
      : (model.shrinkCorrection(0), { lambda: 0 });
  assertFinite('model weight', model.toJSON().params);
  model.meta.featureSpec = spec;
  model.meta.propensities = propensities;
  model.meta.shrinkage = shrink.lambda;
  stage('departure');
  return {
    model,
    result,
    shrink,
    split,
    trainCts,
    valCts,
    vStride,
    train,
    startCheck,
    searched,
    trials,
  };
}

/** The baseline fusion most of the log's rows were computed against (the `baseline:<kind>` query features). */
function loggedBaseline(cts: readonly Clickthrough[]): string {
  const counts = new Map<string, number>();
  const at = BASELINE_KINDS.map((k) => QUERY_FEATURE_NAMES.indexOf(`baseline:${k}`));
  for (const c of cts) {
    const q = c.queryFeatures;
    if (!q || q.length !== QUERY_FEATURE_NAMES.length) continue;
    BASELINE_KINDS.forEach((k, i) => {
      if (q[at[i]!] === 1) counts.set(k, (counts.get(k) ?? 0) + 1);
    });
  }
  let best = 'rrf';
  for (const [k, n] of counts) if (n > (counts.get(best) ?? 0)) best = k;
  return best;
}

/** A fit that produced a non-finite number is refused outright: it must never be registered or served. */
function assertFinite(what: string, xs: ArrayLike<number>): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]))
      throw new ChorusError(
        'CONFLICT',
        `training diverged: ${what} #${i} is ${xs[i]}; no model was registered`,
      );
  }
}

/**
 * Merges clickthroughs that showed the same rows at the same positions (repeated queries served the same list)
 * into one list whose targets are summed. The listwise loss is linear in its targets and IPS weights depend only
 * on position, so this is exactly the same objective, at a fraction of the cost on heavy traffic.
 */
export function aggregateLists(cts: readonly Clickthrough[]): TrainList[] {
  const byKey = new Map<string, TrainList>();
  // Repeated lists share their row objects: their rows are hashed once.
  const hashes = new ListMemo<number>();
  for (const c of cts) {
    const key = listKey(c, hashes.get(c, rowsHash));
    const prev = byKey.get(key);
    if (prev) c.items.forEach((it, i) => (prev.relevance[i]! += it.label));
    else byKey.set(key, toTrain(c));
  }
  return [...byKey.values()];
}

/** Item ids at their positions plus a hash of every feature value (rows that changed are different lists). */
function listKey(c: Clickthrough, rows: number): string {
  let ids = '';
  for (const it of c.items) ids += `${it.id}@${it.position}|`;
  return `${ids}#${rows}`;
}

/** FNV-1a over every item row's and the query row's float32 bits. */
function rowsHash(c: Clickthrough): number {
  let h = 2166136261;
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const mix = (x: number) => {
    f32[0] = x;
    h = Math.imul(h ^ u32[0]!, 16777619);
  };
  for (const it of c.items) for (let j = 0; j < it.features.length; j++) mix(it.features[j]!);
  if (c.queryFeatures) for (let j = 0; j < c.queryFeatures.length; j++) mix(c.queryFeatures[j]!);
  return h >>> 0;
}
