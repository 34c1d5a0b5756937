import type { ClickSession, Propensities } from './types.js';

export interface SwapEstimate {
  /** Relative examination per position (position 0 = 1). */
  relative: Propensities;
  /** Sessions with a swap at k (k -> k+1), per adjacent pair: how much evidence each ratio rests on. */
  swappedSessions: number[];
}

/**
 * Propensities from randomised adjacent swaps. When the engine swaps the items at k and k+1 at random, the
 * document the ranker put at k is, on average, equally relevant whether it is shown at k or k+1, so
 *   p(k+1) / p(k) = CTR(ranker's k-th doc shown at k+1) / CTR(ranker's k-th doc shown at k).
 * Chaining the adjacent ratios gives examination relative to the top position.
 */
export function estimateFromSwaps(
  sessions: readonly ClickSession[],
  maxPositions = 10,
): SwapEstimate {
  const K = maxPositions;
  // For pair (k, k+1): clicks on the ranker's k-th doc when shown at k (not swapped) and at k+1 (swapped).
  const clicksStay = new Float64Array(K);
  const countStay = new Float64Array(K);
  const clicksMoved = new Float64Array(K);
  const countMoved = new Float64Array(K);
  for (const s of sessions) {
    const swapped = new Set(s.swapped ?? []);
    const clickedAt = new Map<number, boolean>();
    for (const it of s.items) clickedAt.set(it.position, it.clicked);
    for (let k = 0; k + 1 < K; k++) {
      if (swapped.has(k)) {
        // The ranker's k-th doc is displayed at k+1.
        const c = clickedAt.get(k + 1);
        if (c === undefined) continue;
        countMoved[k]! += 1;
        if (c) clicksMoved[k]! += 1;
      } else if (!swapped.has(k - 1)) {
        const c = clickedAt.get(k);
        if (c === undefined) continue;
        countStay[k]! += 1;
        if (c) clicksStay[k]! += 1;
      }
    }
  }
  const relative = new Float64Array(K);
  relative[0] = 1;
  for (let k = 0; k + 1 < K; k++) {
    const stay = countStay[k]! > 0 ? clicksStay[k]! / countStay[k]! : 0;
    const moved = countMoved[k]! > 0 ? clicksMoved[k]! / countMoved[k]! : 0;
    // Without evidence, carry the previous level (no decay) rather than invent one.
    const ratio = stay > 0 && moved > 0 ? Math.min(1, moved / stay) : 1;
    relative[k + 1] = relative[k]! * ratio;
  }
  return { relative, swappedSessions: [...countMoved] };
}
