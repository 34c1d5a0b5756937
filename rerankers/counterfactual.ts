import { argsortDesc } from './metrics.js';
import type { FusionModel } from './model/fusion-model.js';
import type { Clickthrough } from '../src/feedback/training-set.js';

export interface CounterfactualEstimate {
  /** Clicks per impression the logging ranker got (observed). */
  loggedCtr: number;
  /** Clipped IPS estimate of the candidate model's clicks per impression. */
  ips: number;
  /** Self-normalised IPS (divides by the mean importance weight: less variance, slight bias). */
  snips: number;
  impressions: number;
}

/**
 * Counterfactual click-through of a candidate ranking on logged traffic under the position-based model:
 * a click logged at position k on an item the candidate would show at position k' counts with weight
 * min(clip, p(k') / p(k)) (0 when k' falls outside the examined positions).
 */
export function estimateCtr(model: FusionModel, logs: readonly Clickthrough[], relative: ArrayLike<number>, clip = 10): CounterfactualEstimate {
  let clicks = 0;
  let weighted = 0;
  let weightSum = 0;
  let shown = 0;
  const K = relative.length;
  for (const ct of logs) {
    const F = ct.items[0]?.features.length ?? 0;
    const rows = new Float32Array(ct.items.length * F);
    ct.items.forEach((it, i) => rows.set(it.features, i * F));
    const order = argsortDesc(model.forward(rows, ct.items.length, ct.queryFeatures).scores);
    const newPos = new Int32Array(ct.items.length);
    order.forEach((item, r) => (newPos[item] = r));
    ct.items.forEach((it, i) => {
      const pOld = relative[Math.min(it.position, K - 1)]!;
      const pNew = newPos[i]! < K ? relative[newPos[i]!]! : 0;
      const w = Math.min(clip, pOld > 0 ? pNew / pOld : 0);
      weightSum += w;
      shown++;
      if (it.clicked) {
        clicks++;
        weighted += w;
      }
    });
  }
  const n = Math.max(1, logs.length);
  const meanWeight = shown ? weightSum / shown : 1;
  return { loggedCtr: clicks / n, ips: weighted / n, snips: meanWeight > 0 ? weighted / n / meanWeight : 0, impressions: logs.length };
}
