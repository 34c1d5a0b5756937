/**
 * Examination propensities must fall (weakly) with rank: a lower position is never examined more often than a
 * higher one. EM and swap estimates on small logs break that ([1, 1.35, 0.48, …]) and IPS then over-weights the
 * noisiest positions. This module fits the estimate to a non-increasing curve (isotonic regression,
 * pool-adjacent-violators) and, where a position has too few clicks to say anything, uses a documented prior.
 */

/** Default minimum of clicks at a position before its estimate is used. */
export const MIN_CLICKS_PER_POSITION = 20;
/** Exponent η of the prior examination curve 1/(rank+1)^η (rank 0-based, so position 0 = 1). */
export const PRIOR_ETA = 1;

/** The prior curve relative to the top: p(k) = 1/(k+1)^η. */
export function priorPropensities(K: number, eta = PRIOR_ETA): number[] {
  return Array.from({ length: K }, (_, k) => 1 / (k + 1) ** eta);
}

/** Weighted isotonic regression onto non-increasing sequences by pool-adjacent-violators (O(n)). */
export function isotonicNonIncreasing(
  values: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number[] {
  const blocks: { mean: number; weight: number; size: number }[] = [];
  for (let i = 0; i < values.length; i++) {
    blocks.push({ mean: values[i]!, weight: Math.max(weights?.[i] ?? 1, 1e-12), size: 1 });
    // Merge while the newest block rises above the one before it.
    while (blocks.length > 1 && blocks[blocks.length - 1]!.mean > blocks[blocks.length - 2]!.mean) {
      const b = blocks.pop()!;
      const a = blocks[blocks.length - 1]!;
      const w = a.weight + b.weight;
      a.mean = (a.mean * a.weight + b.mean * b.weight) / w;
      a.weight = w;
      a.size += b.size;
    }
  }
  return blocks.flatMap((b) => Array.from({ length: b.size }, () => b.mean));
}

export interface MonotonePropensities {
  /** Relative examination per position, position 0 = 1, non-increasing, every value in (0, 1]. */
  relative: number[];
  /** 'estimate': fitted on every position; 'mixed': estimate on top positions, prior below; 'prior': prior only. */
  source: 'estimate' | 'mixed' | 'prior';
  clicksPerPosition: number[];
  /** Set when evidence was short: which positions fell back to the prior and why. */
  note?: string;
}

/**
 * Monotone propensities from a raw estimate and the clicks observed per position. Positions from the first one
 * with fewer than `minClicks` clicks down use the prior curve, continued from the last well-evidenced position
 * (so the curve stays non-increasing); if position 1 already lacks evidence, the prior is used throughout.
 * The well-evidenced part is fitted by PAV weighted by clicks.
 */
export function monotonePropensities(
  estimate: ArrayLike<number>,
  clicksPerPosition: ArrayLike<number>,
  o: { minClicks?: number; eta?: number } = {},
): MonotonePropensities {
  const K = estimate.length;
  const min = o.minClicks ?? MIN_CLICKS_PER_POSITION;
  const eta = o.eta ?? PRIOR_ETA;
  const prior = priorPropensities(K, eta);
  const clicks = Array.from({ length: K }, (_, k) => clicksPerPosition[k] ?? 0);
  let reliable = 0;
  while (
    reliable < K &&
    clicks[reliable]! >= min &&
    Number.isFinite(estimate[reliable]!) &&
    estimate[reliable]! > 0
  )
    reliable++;
  const curve = `1/(rank+1)^${eta}`;
  if (reliable < 2) {
    const note =
      K > 1
        ? `too few clicks to estimate position bias (${clicks[0]} at position 0, ${clicks[1] ?? 0} at position 1; need ${min} per position): used the prior ${curve}`
        : undefined;
    return { relative: prior, source: 'prior', clicksPerPosition: clicks, note };
  }
  const top = estimate[0]!;
  const fitted = isotonicNonIncreasing(
    Array.from({ length: reliable }, (_, k) => Math.min(1, estimate[k]! / top)),
    clicks.slice(0, reliable),
  );
  // Relative to the top again (pooling may have lowered position 0), clamped into (0, 1].
  const head = fitted[0]!;
  const relative = fitted.map((v) => Math.min(1, Math.max(1e-3, v / head)));
  const last = relative[reliable - 1]!;
  for (let k = reliable; k < K; k++)
    relative.push(Math.max(1e-3, (last * prior[k]!) / prior[reliable - 1]!));
  if (reliable === K) return { relative, source: 'estimate', clicksPerPosition: clicks };
  return {
    relative,
    source: 'mixed',
    clicksPerPosition: clicks,
    note: `positions ${reliable}-${K - 1} had fewer than ${min} clicks each: their propensities follow the prior ${curve} from position ${reliable - 1}`,
  };
}
