import { describe, expect, it } from 'vitest';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { Rng } from '../../rerankers/random.js';
import { trainFromClickthroughs } from '../../rerankers/train-from-logs.js';
import {
  fitPositionBasedModel,
  isotonicNonIncreasing,
  monotonePropensities,
  priorPropensities,
} from '../../rerankers/click-models/index.js';
import type { ClickSession } from '../../rerankers/click-models/types.js';
import type { Clickthrough } from '../../src/domain/clickthrough.js';

const nonIncreasing = (xs: readonly number[]) =>
  xs.every((x, i) => i === 0 || x <= xs[i - 1]! + 1e-12);

/** Lists of 10 with examination 1/(rank+1) and a relevance a feature reveals: a position-based click log. */
function clickLog(sessions: number, seed: number): Clickthrough[] {
  const rng = new Rng(seed);
  return Array.from({ length: sessions }, (_, s): Clickthrough => {
    const items = Array.from({ length: 10 }, (_, position) => {
      const grade = rng.int(3);
      const features = new Float32Array(FEATURE_ROW_SHAPE.item).map(() => rng.normal() * 0.1);
      features[0] = grade + rng.normal() * 0.3;
      const clicked = rng.next() < (1 / (position + 1)) * (0.15 + 0.35 * grade);
      return { id: `d${s}-${position}`, position, features, clicked, label: clicked ? 1 : 0 };
    });
    return { queryId: `q${s}`, collection: 'c', rankerVersion: 'rrf', timestamp: s, items };
  });
}

const sessionsOf = (cts: Clickthrough[]): ClickSession[] =>
  cts.map((c) => ({
    items: c.items.map((i) => ({
      position: i.position,
      clicked: i.clicked,
      key: `${c.queryId}:${i.id}`,
      features: i.features,
    })),
  }));

describe('monotone propensities', () => {
  it('pool-adjacent-violators gives the weighted non-increasing fit', () => {
    expect(isotonicNonIncreasing([1, 1.35, 0.48, 0.6, 0.3])).toEqual(
      [1.175, 1.175, 0.54, 0.54, 0.3].map((x) => expect.closeTo(x, 12)),
    );
    expect(isotonicNonIncreasing([0.5, 0.9], [3, 1])).toEqual(
      [0.6, 0.6].map((x) => expect.closeTo(x, 12)),
    );
    expect(isotonicNonIncreasing([1, 0.5, 0.2])).toEqual([1, 0.5, 0.2]);
  });

  it('the issue-13 shape [1, 1.35, 0.48, …, 4.03] comes out non-increasing, top = 1, within (0, 1]', () => {
    const raw = [1, 1.35, 0.48, 0.5, 0.31, 0.4, 0.2, 0.25, 0.3, 4.03];
    const m = monotonePropensities(raw, Array(10).fill(100));
    expect(m.source).toBe('estimate');
    expect(m.relative[0]).toBe(1);
    expect(nonIncreasing(m.relative)).toBe(true);
    for (const p of m.relative) expect(p > 0 && p <= 1).toBe(true);
    expect(m.note).toBeUndefined();
  });

  it('positions short of evidence follow the documented prior 1/(rank+1), continued from the last good one', () => {
    const m = monotonePropensities([1, 0.6, 0.45, 0.9, 0.1], [200, 90, 40, 5, 2], {
      minClicks: 20,
    });
    expect(m.source).toBe('mixed');
    expect(m.note).toMatch(/positions 3-4 had fewer than 20 clicks.*1\/\(rank\+1\)\^1/);
    expect(m.relative.slice(0, 3)).toEqual([1, 0.6, 0.45].map((x) => expect.closeTo(x, 12)));
    expect(m.relative[3]).toBeCloseTo((0.45 * (1 / 4)) / (1 / 3), 12);
    expect(m.relative[4]).toBeCloseTo((0.45 * (1 / 5)) / (1 / 3), 12);
    const none = monotonePropensities([1, 1.4, 0.2], [8, 3, 1], { minClicks: 20 });
    expect(none.source).toBe('prior');
    expect(none.relative).toEqual(priorPropensities(3));
    expect(none.note).toMatch(/too few clicks/);
  });

  it('on a small noisy log: raw EM may rise with rank, the trainer’s propensities never do, and it says where it used the prior', () => {
    const cts = clickLog(150, 7);
    const raw = Array.from(
      fitPositionBasedModel(sessionsOf(cts), { maxPositions: 10, iterations: 40 }).relative,
    );
    const trained = trainFromClickthroughs(cts, { epochs: 2, hidden: 2, seed: 1 });
    expect(nonIncreasing(trained.propensities)).toBe(true);
    expect(trained.propensities[0]).toBe(1);
    for (const p of trained.propensities) expect(Number.isFinite(p) && p > 0).toBe(true);
    // 150 sessions leave the bottom positions with a handful of clicks each: the trainer says so.
    expect(trained.propensityNote).toMatch(/prior 1\/\(rank\+1\)\^1/);
    // This seed's raw EM estimate rises at the bottom (0.088 -> 0.094 from position 7 to 8).
    expect(nonIncreasing(raw)).toBe(false);
  });

  it('with plenty of clicks the estimate is kept and lands near the true 1/(rank+1)', () => {
    const trained = trainFromClickthroughs(clickLog(2000, 8), {
      epochs: 1,
      hidden: 2,
      seed: 1,
      minClicksPerPosition: 20,
    });
    expect(trained.propensityNote).toBeUndefined();
    expect(nonIncreasing(trained.propensities)).toBe(true);
    for (let k = 1; k < 5; k++)
      expect(Math.abs(trained.propensities[k]! - 1 / (k + 1))).toBeLessThan(0.12);
  });
});
