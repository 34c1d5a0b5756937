import { describe, expect, it } from 'vitest';
import {
  clusteredInterval,
  featureScorer,
  meanInterval,
  perImpressionClicks,
  rowScorer,
} from '../../rerankers/counterfactual.js';
import { compareHeldOut } from '../../rerankers/held-out.js';
import { guardOutlook, judge, OUTLOOK_LIMIT } from '../../rerankers/promotion-guard.js';
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

  it('says how many queries would settle a refusal, and that many do', () => {
    const c = compareHeldOut(reversed, served, cts, PROPENSITIES, 10, 6);
    const { outlook } = judge('v1', c, { ranker: 'rrf', version: null });
    expect(outlook?.kind).toBe('undecided');
    const needed = outlook!.queriesNeeded!;
    expect(needed).toBeGreaterThan(6);
    expect(outlook!.message).toContain(`about ${needed} query groups of clicks (now 6)`);
    // The same mix of queries (two in three want the bottom item), as many as projected: the guard promotes.
    const enough = Math.ceil(needed / 3) * 3;
    const bigger = repeatedLog(enough, 4, (q) => q % 3 !== 0);
    const judged = judge('v1', compareHeldOut(reversed, served, bigger, PROPENSITIES, 10, enough), {
      ranker: 'rrf',
      version: null,
    });
    expect(judged.better).toBe(true);
    expect(judged.outlook).toBeUndefined();
  });

  it('promotes the same kind of gain when it holds on many queries', () => {
    const many = repeatedLog(60, 4, (q) => q % 3 !== 0);
    const c = compareHeldOut(reversed, served, many, PROPENSITIES, 10, 60);
    expect(judge('v1', c, { ranker: 'rrf', version: null }).better).toBe(true);
  });
});

describe('the guard outlook', () => {
  /** n values with exactly this mean and sample standard deviation. */
  const sample = (n: number, mean: number, sd: number) => {
    const rng = new Rng(n);
    const xs = Array.from({ length: n }, () => rng.normal());
    const m = xs.reduce((a, b) => a + b, 0) / n;
    const s = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1));
    return xs.map((x) => mean + ((x - m) / s) * sd);
  };

  it('projects the queries at which the same lead and spread would clear 0', () => {
    const today = meanInterval(sample(40, 0.02, 0.1));
    expect(today.low).toBeLessThan(0);
    const o = guardOutlook(40, today)!;
    expect(o.kind).toBe('undecided');
    // At the projected size the same mean and spread put the lower bound at 0 (rounding up: just above).
    const then = meanInterval(sample(o.queriesNeeded!, 0.02, 0.1));
    expect(then.low).toBeGreaterThanOrEqual(0);
    expect(then.low).toBeLessThan(0.0005);
    expect(meanInterval(sample(o.queriesNeeded! - 2, 0.02, 0.1)).low).toBeLessThan(0);
  });

  it('says when more clicks would not help, or could not tell them apart', () => {
    expect(guardOutlook(40, { estimate: -0.01, low: -0.03, high: 0.01 })?.kind).toBe('behind');
    expect(guardOutlook(40, { estimate: 0, low: -0.02, high: 0.02 })?.kind).toBe('behind');
    const tiny = guardOutlook(40, { estimate: 0.0001, low: -0.02, high: 0.0202 })!;
    expect(tiny.kind).toBe('undecided');
    expect(tiny.queriesNeeded).toBeUndefined();
    expect(tiny.message).toContain(`over ${OUTLOOK_LIMIT} times`);
    expect(guardOutlook(40, { estimate: 0.02, low: 0.001, high: 0.04 })).toBeUndefined();
    expect(guardOutlook(0, { estimate: 0, low: 0, high: 0 })?.kind).toBe('behind');
  });
});
