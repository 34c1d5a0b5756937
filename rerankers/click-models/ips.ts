import type { Propensities } from './types.js';

/**
 * Inverse propensity weight of a click at `position`, relative to the top (1 / (p_k / p_0)), clipped at `clip`
 * to bound the variance that tiny propensities at deep positions would bring.
 */
export function ipsWeight(position: number, relative: Propensities, clip = 10): number {
  const p = relative[Math.min(position, relative.length - 1)] ?? 1;
  if (!(p > 0)) return clip;
  return Math.min(clip, 1 / p);
}

/** Default propensity vector when none has been estimated: uniform, i.e. naive (no correction). */
export function uniformPropensities(n = 10): Propensities {
  return new Float64Array(n).fill(1);
}
