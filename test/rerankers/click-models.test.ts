import { describe, expect, it } from 'vitest';
import {
  estimateFromSwaps,
  fitPositionBasedModel,
  ipsWeight,
  type ClickSession,
} from '../../rerankers/click-models/index.js';
import { DEFAULT_EXAMINATION, simulatePbmClicks } from '../../rerankers/letor/click-simulation.js';
import { Rng } from '../../rerankers/random.js';

const TRUE_RELATIVE = DEFAULT_EXAMINATION.map((e) => e / DEFAULT_EXAMINATION[0]!);

/** Queries of 10 docs with a grade that a 3-feature row reveals; a noisy production order; PBM clicks. */
function logs(sessions: number, seed: number, swapShare = 0): ClickSession[] {
  const rng = new Rng(seed);
  const out: ClickSession[] = [];
  for (let s = 0; s < sessions; s++) {
    const docs = Array.from({ length: 10 }, (_, d) => {
      const grade = rng.int(5);
      return {
        key: `q${s % 500}:${d}`,
        grade,
        features: [grade + rng.normal() * 0.3, rng.normal(), grade * 0.5 + rng.normal()],
        prod: grade + rng.normal() * 2,
      };
    });
    docs.sort((a, b) => b.prod - a.prod);
    const swapped: number[] = [];
    if (rng.next() < swapShare) {
      const k = rng.int(9);
      [docs[k], docs[k + 1]] = [docs[k + 1]!, docs[k]!];
      swapped.push(k);
    }
    const clicks = simulatePbmClicks(
      docs.map((d) => d.grade),
      rng,
      { maxGrade: 4 },
    );
    out.push({
      swapped,
      items: docs.map((d, k) => ({
        position: k,
        clicked: clicks[k]!,
        key: d.key,
        features: d.features,
      })),
    });
  }
  return out;
}

describe('position-based click model', () => {
  it('regression-EM recovers examination propensities from clicks and features', () => {
    const fit = fitPositionBasedModel(logs(6000, 1), { iterations: 60 });
    expect(fit.method).toBe('regression');
    for (let k = 1; k < 10; k++)
      expect(Math.abs(fit.relative[k]! - TRUE_RELATIVE[k]!)).toBeLessThan(0.08);
    // Decreasing with rank, as the simulator's examination is.
    expect(fit.relative[9]!).toBeLessThan(fit.relative[1]!);
  });

  it('randomised adjacent swaps recover the propensity ratios', () => {
    const est = estimateFromSwaps(logs(40000, 2, 1), 10);
    for (let k = 1; k < 5; k++)
      expect(Math.abs(est.relative[k]! - TRUE_RELATIVE[k]!)).toBeLessThan(0.12);
    expect(est.swappedSessions[0]!).toBeGreaterThan(1000);
  });

  it('IPS weights invert relative propensities and are clipped', () => {
    const rel = Float64Array.from([1, 0.5, 0.05]);
    expect(ipsWeight(0, rel, 10)).toBe(1);
    expect(ipsWeight(1, rel, 10)).toBeCloseTo(2);
    expect(ipsWeight(2, rel, 10)).toBe(10);
    expect(ipsWeight(7, rel, 5)).toBe(5);
  });
});
