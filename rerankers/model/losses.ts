import { argsortDesc } from '../metrics.js';

/**
 * Losses over one list. `relevance` is the training target per item (a click, a grade); `weight` the per-item
 * IPS weight (1 for naive or true-label training). Each returns the loss and writes dLoss/dScore into `out`.
 */
export type LossName = 'listwise' | 'pairwise';

/** Listwise softmax cross-entropy: -sum_i w_i y_i log softmax(s)_i. */
export function listwiseSoftmax(
  scores: ArrayLike<number>,
  relevance: ArrayLike<number>,
  weight: ArrayLike<number>,
  out: Float64Array,
): number {
  const n = scores.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, scores[i]!);
  let z = 0;
  for (let i = 0; i < n; i++) z += Math.exp(scores[i]! - max);
  const logZ = max + Math.log(z);
  let total = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const t = weight[i]! * relevance[i]!;
    total += t;
    if (t !== 0) loss -= t * (scores[i]! - logZ);
  }
  for (let i = 0; i < n; i++)
    out[i] = Math.exp(scores[i]! - logZ) * total - weight[i]! * relevance[i]!;
  return loss;
}

/**
 * LambdaRank-style pairwise logistic loss: for each pair with y_i > y_j, w_i * |delta nDCG_ij| * log(1 + e^-(s_i - s_j)),
 * with |delta nDCG| the change in nDCG from swapping the pair in the current ranking (held fixed for the gradient).
 */
export function pairwiseLambda(
  scores: ArrayLike<number>,
  relevance: ArrayLike<number>,
  weight: ArrayLike<number>,
  out: Float64Array,
): number {
  const n = scores.length;
  out.fill(0, 0, n);
  const order = argsortDesc(scores);
  const rankOf = new Int32Array(n);
  order.forEach((item, r) => (rankOf[item] = r));
  const ideal = Array.from(relevance).sort((a, b) => b - a);
  let idcg = 0;
  for (let r = 0; r < n; r++) idcg += (2 ** ideal[r]! - 1) / Math.log2(r + 2);
  if (idcg <= 0) return 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const yi = relevance[i]!;
    if (yi <= 0) continue;
    const gi = 2 ** yi - 1;
    const di = 1 / Math.log2(rankOf[i]! + 2);
    for (let j = 0; j < n; j++) {
      const yj = relevance[j]!;
      if (yj >= yi) continue;
      const delta = Math.abs((gi - (2 ** yj - 1)) * (di - 1 / Math.log2(rankOf[j]! + 2))) / idcg;
      const w = weight[i]! * delta;
      if (w === 0) continue;
      const diff = scores[i]! - scores[j]!;
      // log(1 + e^-diff), numerically stable.
      loss += w * (diff > 0 ? Math.log1p(Math.exp(-diff)) : -diff + Math.log1p(Math.exp(diff)));
      const sig = 1 / (1 + Math.exp(diff));
      out[i]! -= w * sig;
      out[j]! += w * sig;
    }
  }
  return loss;
}

export const LOSSES: Record<LossName, typeof listwiseSoftmax> = {
  listwise: listwiseSoftmax,
  pairwise: pairwiseLambda,
};
