import { describe, expect, it } from 'vitest';
import {
  baselineScore,
  DEFAULT_BASELINE,
  type BaselineFusion,
} from '../../rerankers/features/baseline.js';
import {
  AGREEMENT_DEPTH,
  computeListStats,
  type ListStats,
} from '../../rerankers/features/context.js';
import { RANK_SOURCES } from '../../rerankers/features/sources.js';
import { Rng } from '../../rerankers/random.js';
import type { Candidate } from '../../src/domain/candidate.js';

// computeListStats was rewritten for speed (one map lookup per candidate and source): it must give exactly the
// numbers the straightforward version below gave, on lists of every shape.

interface Acc {
  n: number;
  sum: number;
  top1: number;
  top2: number;
  scores: number[];
}

function referenceListStats(
  candidates: readonly Candidate[],
  baseline: BaselineFusion = DEFAULT_BASELINE,
): ListStats {
  const scoreRange = new Map<string, [number, number]>();
  const acc = new Map<string, Acc>();
  const inTop = new Map<string, number>();
  const agreeing = new Map<string, number>();
  for (const c of candidates) {
    let tops = 0;
    for (const source in c.sources) {
      const p = c.sources[source]!;
      const score = p.score;
      if (p.rank < AGREEMENT_DEPTH) tops++;
      const r = scoreRange.get(source);
      if (!r) scoreRange.set(source, [score, score]);
      else {
        if (score < r[0]) r[0] = score;
        if (score > r[1]) r[1] = score;
      }
      let a = acc.get(source);
      if (!a) acc.set(source, (a = { n: 0, sum: 0, top1: -Infinity, top2: -Infinity, scores: [] }));
      a.n++;
      a.sum += score;
      a.scores.push(score);
      if (score > a.top1) [a.top1, a.top2] = [score, a.top1];
      else if (score > a.top2) a.top2 = score;
    }
    for (const source in c.sources) {
      if (c.sources[source]!.rank >= AGREEMENT_DEPTH) continue;
      inTop.set(source, (inTop.get(source) ?? 0) + 1);
      if (tops > 1) agreeing.set(source, (agreeing.get(source) ?? 0) + 1);
    }
  }
  const coverage = new Map<string, number>();
  const sharpness = new Map<string, number>();
  const gap = new Map<string, number>();
  const agreement = new Map<string, number>();
  const dbsf = new Map<string, { lo: number; hi: number }>();
  for (const [s, a] of acc) {
    coverage.set(s, candidates.length ? a.n / candidates.length : 0);
    // Two passes in candidate order: the same doubles DBSF computes, so the baseline reproduces its order exactly.
    const mean = a.scores.reduce((x, v) => x + v, 0) / a.n;
    const sd = Math.sqrt(a.scores.reduce((x, v) => x + (v - mean) ** 2, 0) / a.n);
    dbsf.set(s, { lo: mean - 3 * sd, hi: mean + 3 * sd });
    sharpness.set(s, sd > 1e-9 ? Math.min(5, (scoreRange.get(s)![1] - mean) / sd) / 5 : 0);
    const [lo, hi] = scoreRange.get(s)!;
    gap.set(s, a.n > 1 && hi > lo ? (a.top1 - a.top2) / (hi - lo) : 0);
    const top = inTop.get(s) ?? 0;
    agreement.set(s, top > 0 ? (agreeing.get(s) ?? 0) / top : 0);
  }
  const stats: ListStats = {
    scoreRange,
    dbsf,
    coverage,
    sharpness,
    gap,
    agreement,
    baselineMax: 0,
    size: candidates.length,
  };
  let max = 0;
  for (const c of candidates) {
    const b = baselineScore(c.sources, stats, baseline);
    if (b > max) max = b;
  }
  stats.baselineMax = max;
  return stats;
}

const rng = new Rng(42);
function list(n: number, share: number, tie: boolean): Candidate[] {
  return Array.from({ length: n }, (_, i) => {
    const sources: Candidate['sources'] = {};
    // Sources in a varying order per candidate, as retrieve adds them.
    const order = [...RANK_SOURCES].sort(() => rng.next() - 0.5);
    for (const s of order)
      if (rng.next() < share)
        sources[s] = {
          source: s,
          score: tie ? 0.5 : rng.next() * 10 - 2,
          rank: rng.int(3 * AGREEMENT_DEPTH),
        };
    return { id: `c${i}`, payload: {}, sources };
  });
}

describe('list statistics', () => {
  it('are exactly those of the reference computation, on random lists of every shape', () => {
    const cases: Candidate[][] = [[], list(1, 1, false), list(2, 0.5, true), list(7, 0.3, false)];
    for (let i = 0; i < 40; i++)
      cases.push(list(1 + rng.int(500), 0.1 + rng.next() * 0.9, rng.next() < 0.1));
    for (const candidates of cases) {
      const got: ListStats = computeListStats(candidates);
      const want: ListStats = referenceListStats(candidates);
      expect(got).toStrictEqual(want);
      expect([...got.scoreRange.keys()]).toEqual([...want.scoreRange.keys()]);
    }
  });
});
