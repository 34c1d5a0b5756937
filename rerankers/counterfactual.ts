import type { Clickthrough } from '../src/domain/clickthrough.js';
import { argsortDesc } from './metrics.js';
import { ListMemo } from './list-memo.js';
import type { FusionModel } from './model/fusion-model.js';

/** Scores one logged list (its items in shown order) the way a ranker would order them. */
export type ListScorer = ((ct: Clickthrough) => ArrayLike<number>) & {
  /** The scores depend on the feature rows only (not ids, positions or clicks): one order per distinct list. */
  readonly rowsOnly?: boolean;
};

/** Marks a scorer whose scores are a function of the list's feature rows alone (its orders may be memoised). */
export function rowScorer(f: (ct: Clickthrough) => ArrayLike<number>): ListScorer {
  return Object.assign(f, { rowsOnly: true as const });
}

/** The metric every counterfactual estimate here reports. */
export const COUNTERFACTUAL_METRIC = 'ips-clicks@10';

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export interface CounterfactualEstimate extends Interval {
  /** Clicks per impression the logging ranker got (observed). */
  loggedCtr: number;
  /** Clipped IPS estimate of clicks per impression under the candidate order (= estimate). */
  ips: number;
  /** Self-normalised IPS (divided by the mean importance weight of the shown items). */
  snips: number;
  impressions: number;
}

/**
 * Per logged impression, the clicks a ranker would get if it reordered the shown items, under the
 * position-based model: each click at logged position k on an item the ranker puts at k' counts
 * min(clip, p(k') / p(k)). Unbiased for the reordering of the shown list when the propensities are right.
 */
export function perImpressionClicks(
  scorer: ListScorer,
  logs: readonly Clickthrough[],
  relative: ArrayLike<number>,
  clip = 10,
): { values: Float64Array; weights: Float64Array } {
  const K = relative.length;
  const values = new Float64Array(logs.length);
  const weights = new Float64Array(logs.length);
  const ranks = (ct: Clickthrough) => {
    const order = argsortDesc(scorer(ct));
    const newPos = new Int32Array(ct.items.length);
    order.forEach((item, r) => (newPos[item] = r));
    return newPos;
  };
  // Repeated lists (the same row objects) are ordered once; each impression's own clicks are still counted.
  const memo = scorer.rowsOnly ? new ListMemo<Int32Array>() : undefined;
  logs.forEach((ct, n) => {
    const newPos = memo ? memo.get(ct, ranks) : ranks(ct);
    let v = 0;
    let w = 0;
    ct.items.forEach((it, i) => {
      const pOld = relative[Math.min(it.position, K - 1)]!;
      const pNew = newPos[i]! < K ? relative[newPos[i]!]! : 0;
      const ratio = Math.min(clip, pOld > 0 ? pNew / pOld : 0);
      w += ratio;
      if (it.clicked) v += ratio;
    });
    values[n] = v;
    weights[n] = ct.items.length ? w / ct.items.length : 1;
  });
  return { values, weights };
}

/** Mean with a normal-approximation 95% interval. */
export function meanInterval(xs: ArrayLike<number>): Interval {
  const n = xs.length;
  if (n === 0) return { estimate: 0, low: 0, high: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i]!;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (xs[i]! - mean) ** 2;
  const half = n > 1 ? 1.96 * Math.sqrt(sq / (n - 1) / n) : 0;
  return { estimate: mean, low: mean - half, high: mean + half };
}

/**
 * Mean with a cluster-robust 95% interval: impressions of one query (cluster) are not independent evidence, so the
 * variance sums each cluster's deviation before squaring (the sandwich estimator with the G / (G - 1) correction).
 * With every impression its own cluster it equals `meanInterval` up to that correction. Fewer than two clusters
 * leave the spread between queries unknown: the interval is as wide as a finite number can say.
 */
export function clusteredInterval(xs: ArrayLike<number>, clusters: ArrayLike<number>): Interval {
  const n = xs.length;
  if (n === 0) return { estimate: 0, low: 0, high: 0 };
  if (clusters.length !== n)
    throw new Error(`clusteredInterval: ${clusters.length} clusters for ${n} values`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i]!;
  const mean = sum / n;
  const by = new Map<number, number>();
  for (let i = 0; i < n; i++) by.set(clusters[i]!, (by.get(clusters[i]!) ?? 0) + xs[i]! - mean);
  const G = by.size;
  if (G < 2) return { estimate: mean, low: -Number.MAX_VALUE, high: Number.MAX_VALUE };
  let v = 0;
  for (const d of by.values()) v += d * d;
  const half = (1.96 * Math.sqrt((G / (G - 1)) * v)) / n;
  return { estimate: mean, low: mean - half, high: mean + half };
}

export const modelScorer = (model: FusionModel): ListScorer =>
  rowScorer((ct) => {
    const F = ct.items[0]?.features.length ?? 0;
    const rows = new Float32Array(ct.items.length * F);
    ct.items.forEach((it, i) => rows.set(it.features, i * F));
    return model.forward(rows, ct.items.length, ct.queryFeatures).scores;
  });

/** Orders by one logged feature column (the baseline fusion score); ties keep the shown order (stable sort). */
export const featureScorer = (feature: number): ListScorer =>
  rowScorer((ct) => ct.items.map((it) => it.features[feature]!));

/** Counterfactual clicks per impression of a model on logged traffic, with its 95% interval. */
export function estimateCtr(
  model: FusionModel,
  logs: readonly Clickthrough[],
  relative: ArrayLike<number>,
  clip = 10,
): CounterfactualEstimate {
  const { values, weights } = perImpressionClicks(modelScorer(model), logs, relative, clip);
  const iv = meanInterval(values);
  let clicks = 0;
  for (const ct of logs) for (const it of ct.items) if (it.clicked) clicks++;
  const meanWeight = weights.length ? weights.reduce((a, b) => a + b, 0) / weights.length : 1;
  return {
    ...iv,
    loggedCtr: clicks / Math.max(1, logs.length),
    ips: iv.estimate,
    snips: meanWeight > 0 ? iv.estimate / meanWeight : 0,
    impressions: logs.length,
  };
}
