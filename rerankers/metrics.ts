/** Ranking metrics over graded labels listed in ranked order. Gains are 2^label - 1 (the LETOR convention). */

export function dcgAt(labelsInRankOrder: ArrayLike<number>, k: number): number {
  let dcg = 0;
  const n = Math.min(k, labelsInRankOrder.length);
  for (let i = 0; i < n; i++) dcg += (2 ** labelsInRankOrder[i]! - 1) / Math.log2(i + 2);
  return dcg;
}

/** nDCG@k of `labels` ordered by descending `scores` (ties broken by original order). Lists without positives score `empty`. */
export function ndcgAt(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  k: number,
  empty = 0,
): number {
  const order = argsortDesc(scores);
  const ideal = Array.from(labels).sort((a, b) => b - a);
  const idcg = dcgAt(ideal, k);
  if (idcg <= 0) return empty;
  return (
    dcgAt(
      order.map((i) => labels[i]!),
      k,
    ) / idcg
  );
}

export function reciprocalRankAt(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  k: number,
): number {
  const order = argsortDesc(scores);
  for (let i = 0; i < Math.min(k, order.length); i++)
    if (labels[order[i]!]! > 0) return 1 / (i + 1);
  return 0;
}

/** Share of the relevant items (label > 0) found in the top k; `totalRelevant` may exceed the list (unretrieved ones). */
export function recallAt(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  k: number,
  totalRelevant?: number,
): number {
  const order = argsortDesc(scores);
  let rel = 0;
  let found = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) rel++;
  for (let i = 0; i < Math.min(k, order.length); i++) if (labels[order[i]!]! > 0) found++;
  const total = totalRelevant ?? rel;
  return total > 0 ? found / total : 0;
}

export function argsortDesc(scores: ArrayLike<number>): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Mean and a normal-approximation 95% interval (t-quantile for small n) of a sample. */
export function meanCi95(xs: readonly number[]): {
  mean: number;
  lo: number;
  hi: number;
  n: number;
} {
  const n = xs.length;
  const mean = n ? xs.reduce((a, b) => a + b, 0) / n : NaN;
  if (n < 2) return { mean, lo: mean, hi: mean, n };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const t = T95[n - 1] ?? 1.96;
  const half = (t * sd) / Math.sqrt(n);
  return { mean, lo: mean - half, hi: mean + half, n };
}

// Two-sided 95% Student-t quantiles by degrees of freedom (index = df).
const T95 = [
  NaN,
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042,
];
