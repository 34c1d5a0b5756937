import { meanCi95 } from '../../rerankers/metrics.js';

export type Arm = 'a' | 'b';

/**
 * The order arms are measured in: AB BA AB BA ... (ABBA blocks), so each arm runs first in half the rounds and a
 * drift over the run (warming, a neighbour's load) falls on both arms alike. Round r pairs a[r] with b[r].
 */
export function abbaOrder(rounds: number): Arm[][] {
  return Array.from({ length: rounds }, (_, r) => (r % 2 === 0 ? ['a', 'b'] : ['b', 'a']));
}

export interface PairedRatio {
  /** Geometric mean of b[r] / a[r] over the rounds. */
  ratio: number;
  /** 95% t-interval of the ratio (from the per-round log ratios); equal to the ratio with one round. */
  low: number;
  high: number;
  rounds: number;
}

/** B over A, paired by round: the run-order and drift effects a round shares cancel in its ratio. */
export function pairedRatio(a: readonly number[], b: readonly number[]): PairedRatio {
  if (a.length !== b.length || a.length === 0)
    throw new Error(
      `paired ratio needs as many B rounds as A rounds (got ${a.length}, ${b.length})`,
    );
  const logs = a.map((x, i) => Math.log(b[i]! / x));
  if (logs.some((l) => !Number.isFinite(l)))
    throw new Error('paired ratio needs positive figures in every round');
  const { mean, lo, hi } = meanCi95(logs);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    ratio: r3(Math.exp(mean)),
    low: r3(Math.exp(lo)),
    high: r3(Math.exp(hi)),
    rounds: a.length,
  };
}

/** Median and range of one arm's per-round figures. */
export function spread(xs: readonly number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  const median = s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return { median: r2(median), min: r2(s[0]!), max: r2(s[s.length - 1]!) };
}
