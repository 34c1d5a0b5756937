import type { Candidate } from '../../src/domain/candidate.js';
import { baselineScore, DEFAULT_BASELINE, type BaselineFusion } from './baseline.js';
import type { QueryKind } from './sources.js';

/** What an extractor sees about the query. Built once per request, shared by every candidate row. */
export interface FeatureContext {
  queryKind: QueryKind;
  queryModalities: string[];
  /** The collection's baseline fusion (its preset); RRF k=60 when absent. */
  baseline?: BaselineFusion;
}

/** How many of a list's top items count for the agreement statistic. */
export const AGREEMENT_DEPTH = 10;

/**
 * Per-list statistics some extractors need (min-max of each source's scores). Computed once per list
 * so that a feature row depends on the list it was served in, exactly the same at training and serving time.
 */
export interface ListStats {
  /** Per source: [min, max] of the raw scores among candidates retrieved by it. */
  scoreRange: Map<string, [number, number]>;
  /** Per source: DBSF's bounds, mean -+ 3 population standard deviations (as rerankers/fusion/dbsf.ts computes them). */
  dbsf: Map<string, { lo: number; hi: number }>;
  /** Per source: share of candidates that the source retrieved. */
  coverage: Map<string, number>;
  /** Per source: how far the list's best score stands out, (max - mean) / sd, capped at 5 and divided by 5. */
  sharpness: Map<string, number>;
  /** Per source: (best - second best) / (best - worst), 0..1: a clear winner or a flat head. */
  gap: Map<string, number>;
  /** Per source: share of its top AGREEMENT_DEPTH that another source also has in its top AGREEMENT_DEPTH. */
  agreement: Map<string, number>;
  /** The list's best baseline fusion score (the baseline features are relative to it). */
  baselineMax: number;
  size: number;
}

interface Acc {
  n: number;
  sum: number;
  top1: number;
  top2: number;
  scores: number[];
}

export function computeListStats(
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

/** Every extractor has this shape: a literal `type`, a name, a pure value. */
export interface FeatureInput {
  candidate: Candidate;
  list: ListStats;
  ctx: FeatureContext;
}
