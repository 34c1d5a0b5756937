import { describe, expect, it } from 'vitest';
import {
  clusteredInterval,
  featureScorer,
  meanInterval,
  perImpressionClicks,
  rowScorer,
} from '../../rerankers/counterfactual.js';
import { compareHeldOut } from '../../rerankers/held-out.js';
import { judge } from '../../rerankers/promotion-guard.js';
import { Rng } from '../../rerankers/random.js';
import type { Clickthrough } from '../../src/domain/clickthrough.js';

const PROPENSITIES = [1, 0.5, 0.33, 0.25, 0.2, 0.17, 0.14, 0.12];

/**
 * `queries` queries (each its own 8 items), each served `repeats` times in the same order. A query "wants" its
 * bottom item (clicks there) or its top item, by `wantsBottom`: a ranker that reverses the list gains on the first
 * kind and loses on the second, the same way on every repeat of a query.
 */
function repeatedLog(
  queries: number,
  repeats: number,
  wantsBottom: (q: number) => boolean,
): Clickthrough[] {
  const rng = new Rng(7);
  const out: Clickthrough[] = [];
  let t = 0;
  for (let r = 0; r < repeats; r++)
    for (let q = 0; q < queries; q++) {
      const target = wantsBottom(q) ? 7 : 0;
      const items = Array.from({ length: 8 }, (_, position) => {
        const clicked =
          position === target ? rng.next() < 0.9 * PROPENSITIES[position]! : rng.next() < 0.02;
        const features = new Float32Array([1 - position / 8]);
        return { id: `q${q}-d${position}`, position, features, clicked, label: clicked ? 1 : 0 };
      });
      out.push({ queryId: `s${t}`, collection: 'c', rankerVersion: 'rrf', timestamp: t++, items });
    }
  return out;
}

describe('clusteredInterval (the guard reads impressions clustered by query)', () => {
  it('is wider when the same evidence comes as repeats of a few clusters, and equals the plain one for singletons', () => {
    const rng = new Rng(3);
    const perQuery = Array.from({ length: 12 }, () => rng.normal());
    const xs = Array.from({ length: 12 * 20 }, (_, i) => perQuery[i % 12]! + 0.1 * rng.normal());
    const clusters = xs.map((_, i) => i % 12);
    const plain = meanInterval(xs);
    const clustered = clusteredInterval(xs, clusters);
    expect(clustered.estimate).toBeCloseTo(plain.estimate, 12);
    // 20 near-copies of 12 values: about sqrt(20) times the plain width.
    const ratio = (clustered.high - clustered.low) / (plain.high - plain.low);
    expect(ratio).toBeGreaterThan(3.5);
    expect(ratio).toBeLessThan(5.5);
    // Every impression its own cluster: the plain interval up to the G / (G - 1) correction.
    const singletons = clusteredInterval(
      xs,
      xs.map((_, i) => i),
    );
    expect((singletons.high - singletons.low) / (plain.high - plain.low)).toBeCloseTo(1, 2);
    // One cluster: no between-query spread to measure, no bound.
    expect(clusteredInterval([1, 2, 3], [0, 0, 0]).low).toBe(-Number.MAX_VALUE);
    expect(() => clusteredInterval([1, 2], [0])).toThrow(/clusters/);
  });
});

describe('the promotion guard on a log of a few queries served many times', () => {
  // Six queries, 40 impressions each: four want the bottom item, two the top one. Reversing the list wins on
  // average, but on six queries: 240 impressions are not 240 independent pieces of evidence.
  const cts = repeatedLog(6, 40, (q) => q < 4);
  const reversed = rowScorer((ct) => ct.items.map((it) => -it.features[0]!));
  const served = { ranker: 'rrf', scorer: featureScorer(0) };

  it('refuses a candidate whose gain rests on a few queries (an impression-level interval would promote it)', () => {
    const c = compareHeldOut(reversed, served, cts, PROPENSITIES, 10, 6);
    expect(c.difference.estimate).toBeGreaterThan(0);
    expect(c.difference.low).toBeLessThan(0);
    expect(judge('v1', c, { ranker: 'rrf', version: null }).better).toBe(false);
    // The same per-impression differences read as independent impressions exclude 0.
    const mine = perImpressionClicks(reversed, cts, PROPENSITIES).values;
    const theirs = perImpressionClicks(served.scorer, cts, PROPENSITIES).values;
    const plain = meanInterval(mine.map((x, i) => x - theirs[i]!));
    expect(plain.estimate).toBeCloseTo(c.difference.estimate, 12);
    expect(plain.low).toBeGreaterThan(0);
  });

  it('promotes the same kind of gain when it holds on many queries', () => {
    const many = repeatedLog(60, 4, (q) => q % 3 !== 0);
    const c = compareHeldOut(reversed, served, many, PROPENSITIES, 10, 60);
    expect(judge('v1', c, { ranker: 'rrf', version: null }).better).toBe(true);
  });
});
