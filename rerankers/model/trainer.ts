import { ipsWeight } from '../click-models/ips.js';
import { ndcgAt } from '../metrics.js';
import { Rng } from '../random.js';
import { Adam } from './adam.js';
import { accumulateGradients } from './backward.js';
import { FusionModel } from './fusion-model.js';
import type { ModelShape } from './layout.js';
import { LOSSES, type LossName } from './losses.js';
import type { EvalList, TrainList } from './samples.js';
import { clearlyBetter, type Selection } from './selection.js';

export interface FitOptions {
  shape: Omit<ModelShape, 'hidden'>;
  hidden?: number;
  loss?: LossName;
  lr?: number;
  epochs?: number;
  /** Lists per Adam step. */
  batchSize?: number;
  seed?: number;
  /** Relative examination propensities by position; absent = naive (every click weighs 1). */
  propensities?: ArrayLike<number>;
  ipsClip?: number;
  gateTemperature?: number;
  weightDecay?: number;
  /** Early stopping: stop after this many epochs without a better validation score, keep the best epoch. */
  patience?: number;
  /** Judged validation lists (nDCG@k); ignored when `validate` is given. */
  validation?: EvalList[];
  /**
   * The validation score to early-stop and select on (higher is better), e.g. counterfactual clicks on held-out
   * queries' logged impressions. Takes precedence over `validation`.
   */
  validate?: (model: FusionModel) => number;
  /**
   * Early stopping by the evidence rule (selection.ts): an epoch replaces the best so far only when its paired
   * held-out gain is clearly positive. Takes precedence over `validate` and `validation`.
   */
  selection?: Selection;
  /** L2 pull of the correction weights (group weights, residual output) toward 0, i.e. toward the baseline. */
  l2?: number;
  k?: number;
  /**
   * Sets the model's starting point after initialisation (e.g. weights tuned by coordinate search). With a
   * validation score the start itself is epoch 0: early stopping may keep it.
   */
  warmStart?: (model: FusionModel) => void;
  onEpoch?: (e: EpochReport) => void;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  validationNdcg?: number;
}

export interface FitResult {
  model: FusionModel;
  history: EpochReport[];
  bestEpoch: number;
  validationNdcg?: number;
}

/** Trains a fusion model with explicit gradients and Adam; deterministic under `seed`. */
export function fit(train: readonly TrainList[], opts: FitOptions): FitResult {
  const o = {
    hidden: 16,
    loss: 'listwise' as LossName,
    lr: 0.01,
    epochs: 30,
    batchSize: 32,
    seed: 1,
    ipsClip: 10,
    gateTemperature: 1,
    weightDecay: 0,
    patience: 5,
    k: 10,
    l2: 0,
    ...opts,
  };
  const sel = o.selection;
  const validate = sel
    ? (m: FusionModel) => average(sel.values(m))
    : (o.validate ??
      (o.validation?.length ? (m: FusionModel) => evaluateNdcg(m, o.validation!, o.k) : undefined));
  const F = o.shape.featureNames.length;
  const rng = new Rng(o.seed);
  const { mean, invStd } = standardisation(train, F);
  for (const f of o.shape.inert ?? []) invStd[f] = 0;
  const model = FusionModel.init(
    { ...o.shape, hidden: o.hidden },
    rng,
    mean,
    invStd,
    o.gateTemperature,
  );
  const adam = new Adam(model.o.size, o.lr, 0.9, 0.999, 1e-8, o.weightDecay);
  const lossFn = LOSSES[o.loss];

  // Lists without any positive target carry no gradient under either loss: skip them once.
  const useful = train.filter((l) => l.relevance.some((r) => r > 0));
  const weights = useful.map((l) =>
    Float64Array.from({ length: l.n }, (_, i) =>
      o.propensities && l.positions
        ? ipsWeight(l.positions[i]!, o.propensities as Float64Array, o.ipsClip)
        : 1,
    ),
  );
  const order = useful.map((_, i) => i);
  const grad = new Float64Array(model.o.size);
  const dScores = new Float64Array(Math.max(1, ...useful.map((l) => l.n)));
  const history: EpochReport[] = [];
  o.warmStart?.(model);
  let best = { ndcg: -Infinity, epoch: 0, params: model.params.slice() };
  let bestValues = sel && o.warmStart ? sel.values(model) : undefined;
  if (validate && o.warmStart) best.ndcg = bestValues ? average(bestValues) : validate(model);
  let sinceBest = 0;

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    rng.shuffle(order);
    let lossSum = 0;
    for (let b = 0; b < order.length; b += o.batchSize) {
      grad.fill(0);
      const end = Math.min(order.length, b + o.batchSize);
      for (let j = b; j < end; j++) {
        const l = useful[order[j]!]!;
        const fw = model.forward(l.rows, l.n, l.query);
        lossSum += lossFn(fw.scores, l.relevance, weights[order[j]!]!, dScores);
        accumulateGradients(model, fw, dScores, l.query, grad);
      }
      const scale = 1 / (end - b);
      if (o.l2 > 0) addL2(model, grad, o.l2 / scale);
      adam.step(model.params, grad, scale);
    }
    const report: EpochReport = { epoch, loss: lossSum / Math.max(1, useful.length) };
    if (sel) {
      const values = sel.values(model);
      report.validationNdcg = average(values);
      if (!bestValues || clearlyBetter(values, bestValues, sel)) {
        best = { ndcg: report.validationNdcg, epoch, params: model.params.slice() };
        bestValues = values;
        sinceBest = 0;
      } else sinceBest++;
    } else if (validate) {
      report.validationNdcg = validate(model);
      if (report.validationNdcg > best.ndcg + 1e-9) {
        best = { ndcg: report.validationNdcg, epoch, params: model.params.slice() };
        sinceBest = 0;
      } else sinceBest++;
    }
    history.push(report);
    o.onEpoch?.(report);
    if (validate && sinceBest >= o.patience) break;
  }
  if (validate) model.params.set(best.params);
  else best.epoch = history.length;
  return {
    model,
    history,
    bestEpoch: best.epoch,
    validationNdcg: validate ? best.ndcg : undefined,
  };
}

/**
 * Gradient of (l2 / 2) * |correction weights|^2: the group weights A, the residual's output weights w2, the
 * gate's log-reweighting of the baseline (Wu, bu) and the score family's weights (Wv, bv), so every departure from
 * the preset pays.
 */
function addL2(model: FusionModel, grad: Float64Array, l2: number): void {
  const { F, G, H, A, w2, Wu, size } = model.o;
  const p = model.params;
  for (let i = 0; i < F * G; i++) if (model.mask[i]) grad[A + i]! += l2 * p[A + i]!;
  for (let h = 0; h < H; h++) grad[w2 + h]! += l2 * p[w2 + h]!;
  // Wu, bu and (with score parts) Wv, bv close the layout.
  if (model.shape.baseline?.parts || model.shape.baseline?.scoreParts)
    for (let i = Wu; i < size; i++) grad[i]! += l2 * p[i]!;
}

/**
 * Shrinks the learned correction toward the baseline by held-out evidence: tries each scale in `grid`
 * (0 = the baseline itself) and keeps the one with the best validation score; ties go to the smaller scale,
 * so the model departs from the baseline only as far as held-out queries support.
 */
export function selectShrinkage(
  model: FusionModel,
  validate: (m: FusionModel) => number,
  grid: readonly number[] = [0, 0.25, 0.5, 0.75, 1],
): { lambda: number; scores: { lambda: number; score: number }[] } {
  const scores: { lambda: number; score: number }[] = [];
  let best = { lambda: 0, score: -Infinity };
  for (const lambda of [...grid].sort((a, b) => a - b)) {
    const m = FusionModel.fromJSON(model.toJSON());
    m.shrinkCorrection(lambda);
    const score = validate(m);
    scores.push({ lambda, score });
    if (score > best.score + 1e-9) best = { lambda, score };
  }
  model.shrinkCorrection(best.lambda);
  return { lambda: best.lambda, scores };
}

function average(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : 0;
}

/** Mean nDCG@k over judged lists (lists without a relevant item are skipped, as in LETOR evaluation). */
export function evaluateNdcg(model: FusionModel, lists: readonly EvalList[], k = 10): number {
  let sum = 0;
  let n = 0;
  for (const l of lists) {
    if (!l.labels.some((x) => x > 0)) continue;
    sum += ndcgAt(model.forward(l.rows, l.n, l.query).scores, l.labels, k);
    n++;
  }
  return n ? sum / n : 0;
}

function standardisation(
  train: readonly TrainList[],
  F: number,
): { mean: Float64Array; invStd: Float64Array } {
  const mean = new Float64Array(F);
  const sq = new Float64Array(F);
  let count = 0;
  for (const l of train) {
    for (let i = 0; i < l.n; i++) {
      for (let f = 0; f < F; f++) {
        const x = l.rows[i * F + f]!;
        mean[f]! += x;
        sq[f]! += x * x;
      }
    }
    count += l.n;
  }
  const invStd = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    mean[f]! /= Math.max(1, count);
    const sd = Math.sqrt(Math.max(0, sq[f]! / Math.max(1, count) - mean[f]! ** 2));
    // Constant features carry nothing; a zero scale keeps them out instead of blowing them up.
    invStd[f] = sd > 1e-9 ? 1 / sd : 0;
  }
  return { mean, invStd };
}
