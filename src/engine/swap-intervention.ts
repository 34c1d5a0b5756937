/** Positions a swap may touch: propensities are estimated for the first ten displayed positions. */
const SWAP_POSITIONS = 10;

/**
 * The randomised adjacent swap behind swap-based propensity estimation (rerankers/click-models/
 * swap-intervention.ts): with probability `share`, the hits at k and k+1 trade places for one uniformly chosen
 * k among the first ten. The user sees the swapped order and the impression records `swapped: [k]`, so the log
 * shows how clicks on the ranker's k-th item change when it is shown one place lower — position bias measured by
 * intervention instead of inferred by EM.
 */
export function swapIntervention<T>(
  hits: readonly T[],
  share: number,
  random: () => number = Math.random,
): { hits: readonly T[]; swapped?: number[] } {
  const pairs = Math.min(hits.length, SWAP_POSITIONS) - 1;
  // The common case (no swap) hands the list back as it is: no copy per request.
  if (share <= 0 || pairs < 1 || random() >= share) return { hits };
  const k = Math.min(pairs - 1, Math.floor(random() * pairs));
  const out = [...hits];
  [out[k], out[k + 1]] = [out[k + 1]!, out[k]!];
  return { hits: out, swapped: [k] };
}
