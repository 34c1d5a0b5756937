import type { Candidate } from '../../src/domain/candidate.js';
import { rrfScore } from './baseline.js';
import type { QueryKind } from './sources.js';

/** What an extractor sees about the query. Built once per request, shared by every candidate row. */
export interface FeatureContext {
  queryKind: QueryKind;
  queryModalities: string[];
}

/**
 * Per-list statistics some extractors need (min-max of each source's scores). Computed once per list
 * so that a feature row depends on the list it was served in, exactly the same at training and serving time.
 */
export interface ListStats {
  /** Per source: [min, max] of the raw scores among candidates retrieved by it. */
  scoreRange: Map<string, [number, number]>;
  /** Per source: share of candidates that the source retrieved. */
  coverage: Map<string, number>;
  /** Per source: how far the list's best score stands out, (max - mean) / sd, capped at 5 and divided by 5. */
  sharpness: Map<string, number>;
  /** The list's best RRF score (the baseline feature is relative to it). */
  rrfMax: number;
  size: number;
}

export function computeListStats(candidates: readonly Candidate[]): ListStats {
  const scoreRange = new Map<string, [number, number]>();
  const acc = new Map<string, { n: number; sum: number; sq: number }>();
  let rrfMax = 0;
  for (const c of candidates) {
    for (const source in c.sources) {
      const score = c.sources[source]!.score;
      const r = scoreRange.get(source);
      if (!r) scoreRange.set(source, [score, score]);
      else {
        if (score < r[0]) r[0] = score;
        if (score > r[1]) r[1] = score;
      }
      const a = acc.get(source);
      if (a) {
        a.n++;
        a.sum += score;
        a.sq += score * score;
      } else acc.set(source, { n: 1, sum: score, sq: score * score });
    }
    const b = rrfScore(c.sources);
    if (b > rrfMax) rrfMax = b;
  }
  const coverage = new Map<string, number>();
  const sharpness = new Map<string, number>();
  for (const [s, a] of acc) {
    coverage.set(s, candidates.length ? a.n / candidates.length : 0);
    const mean = a.sum / a.n;
    const sd = Math.sqrt(Math.max(0, a.sq / a.n - mean * mean));
    sharpness.set(s, sd > 1e-9 ? Math.min(5, (scoreRange.get(s)![1] - mean) / sd) / 5 : 0);
  }
  return { scoreRange, coverage, sharpness, rrfMax, size: candidates.length };
}

/** Every extractor has this shape: a literal `type`, a name, a pure value. */
export interface FeatureInput {
  candidate: Candidate;
  list: ListStats;
  ctx: FeatureContext;
}
