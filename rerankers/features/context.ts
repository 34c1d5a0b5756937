import type { Candidate, Provenance } from '../../src/domain/candidate.js';
import { baselineScorer, DEFAULT_BASELINE, type BaselineFusion } from './baseline.js';
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

/** One source's running statistics over the list (one Map lookup per candidate and source). */
interface Acc {
  n: number;
  lo: number;
  hi: number;
  top1: number;
  top2: number;
  scores: number[];
  /** Candidates with this source in its top AGREEMENT_DEPTH, and how many of those another source has there too. */
  inTop: number;
  agreeing: number;
}

/**
 * @param baselineScores when given (length >= candidates), receives each candidate's baseline fusion score, which
 *   the list's `baselineMax` needs anyway: feature rows read them instead of computing them again.
 */
export function computeListStats(
  candidates: readonly Candidate[],
  baseline: BaselineFusion = DEFAULT_BASELINE,
  baselineScores?: Float64Array,
): ListStats {
  // Every search computes these over its few hundred candidates (the learned ranker's features, and the rows logged
  // for any other ranker): one lookup per candidate and source, where separate maps per statistic took three or four.
  const acc = new Map<string, Acc>();
  const tops: Acc[] = [];
  for (const c of candidates) {
    let inTop = 0;
    for (const source in c.sources) {
      const p = c.sources[source]!;
      const score = p.score;
      let a = acc.get(source);
      if (!a) {
        a = {
          n: 0,
          lo: score,
          hi: score,
          top1: -Infinity,
          top2: -Infinity,
          scores: [],
          inTop: 0,
          agreeing: 0,
        };
        acc.set(source, a);
      } else {
        if (score < a.lo) a.lo = score;
        if (score > a.hi) a.hi = score;
      }
      a.n++;
      a.scores.push(score);
      if (score > a.top1) {
        a.top2 = a.top1;
        a.top1 = score;
      } else if (score > a.top2) a.top2 = score;
      if (p.rank < AGREEMENT_DEPTH) tops[inTop++] = a;
    }
    for (let i = 0; i < inTop; i++) {
      tops[i]!.inTop++;
      if (inTop > 1) tops[i]!.agreeing++;
    }
  }
  const scoreRange = new Map<string, [number, number]>();
  const coverage = new Map<string, number>();
  const sharpness = new Map<string, number>();
  const gap = new Map<string, number>();
  const agreement = new Map<string, number>();
  const dbsf = new Map<string, { lo: number; hi: number }>();
  for (const [s, a] of acc) {
    scoreRange.set(s, [a.lo, a.hi]);
    coverage.set(s, candidates.length ? a.n / candidates.length : 0);
    // Two passes in candidate order: the same doubles DBSF computes, so the baseline reproduces its order exactly.
    const mean = a.scores.reduce((x, v) => x + v, 0) / a.n;
    const sd = Math.sqrt(a.scores.reduce((x, v) => x + (v - mean) ** 2, 0) / a.n);
    dbsf.set(s, { lo: mean - 3 * sd, hi: mean + 3 * sd });
    sharpness.set(s, sd > 1e-9 ? Math.min(5, (a.hi - mean) / sd) / 5 : 0);
    gap.set(s, a.n > 1 && a.hi > a.lo ? (a.top1 - a.top2) / (a.hi - a.lo) : 0);
    agreement.set(s, a.inTop > 0 ? a.agreeing / a.inTop : 0);
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
  const score = baselineScorer(stats, baseline);
  for (let i = 0; i < candidates.length; i++) {
    const b = score(candidates[i]!.sources);
    if (baselineScores) baselineScores[i] = b;
    if (b > max) max = b;
  }
  stats.baselineMax = max;
  return stats;
}

/** What every extractor is prepared with, once per list: the list's statistics and the query. */
export interface PrepareInput {
  list: ListStats;
  ctx: FeatureContext;
  /** The slot of `source` in RowInput.hits (the sources the spec reads, each looked up once per candidate). */
  slot: (source: string) => number;
}

/** One candidate as the prepared extractors read it. */
export interface RowInput {
  candidate: Candidate;
  /** candidate.sources of each slot's source (undefined: that list did not return it). */
  hits: (Provenance | undefined)[];
  /** The candidate's baseline fusion score (baselineScore of its sources), as computeListStats computed it. */
  baseline: number;
}

/**
 * Every extractor has this shape: a literal `type`, a name, and a value prepared per list (the list's constants
 * resolved once, not per candidate and feature: a search builds rows for a few hundred to a thousand candidates).
 */
export type PreparedFeature = (row: RowInput) => number;
