import { unit } from './vectors.js';

/**
 * A user profile per vector name is a time-decayed weighted sum of the (unit) vectors of items the user
 * engaged with; skips carry a negative weight, so they push the profile away. Stored as (sum, weight, time):
 * the profile direction is sum / weight, and decay is applied lazily when the next event arrives.
 */
export interface ProfileAccumulator {
  sum: Float32Array;
  weight: number;
  /** Epoch ms of the newest event folded in. */
  updatedAt: number;
}

export const DEFAULT_HALF_LIFE_MS = 14 * 24 * 3600 * 1000;

export function foldEvent(
  prev: ProfileAccumulator | undefined,
  vector: ArrayLike<number>,
  weight: number,
  at: number,
  halfLifeMs = DEFAULT_HALF_LIFE_MS,
): ProfileAccumulator {
  const v = unit(vector);
  if (!prev || prev.sum.length !== v.length) {
    const sum = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) sum[i] = weight * v[i]!;
    return { sum, weight: Math.abs(weight), updatedAt: at };
  }
  // Events may arrive out of order: whichever side is older is decayed to the newer time.
  const now = Math.max(at, prev.updatedAt);
  const decayPrev = 0.5 ** ((now - prev.updatedAt) / halfLifeMs);
  const decayNew = 0.5 ** ((now - at) / halfLifeMs);
  const sum = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) sum[i] = prev.sum[i]! * decayPrev + weight * decayNew * v[i]!;
  return { sum, weight: prev.weight * decayPrev + Math.abs(weight) * decayNew, updatedAt: now };
}

/** The profile vector (unit length) or undefined when it carries no direction. */
export function profileVector(acc: ProfileAccumulator): Float32Array | undefined {
  let n = 0;
  for (const x of acc.sum) n += x * x;
  if (n === 0 || acc.weight === 0) return undefined;
  return unit(acc.sum);
}
