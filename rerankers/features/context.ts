import type { Candidate } from '../../src/domain/candidate.js';
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
  size: number;
}

export function computeListStats(candidates: readonly Candidate[]): ListStats {
  const scoreRange = new Map<string, [number, number]>();
  const counts = new Map<string, number>();
  for (const c of candidates) {
    for (const [source, p] of Object.entries(c.sources)) {
      const r = scoreRange.get(source);
      if (!r) scoreRange.set(source, [p.score, p.score]);
      else {
        if (p.score < r[0]) r[0] = p.score;
        if (p.score > r[1]) r[1] = p.score;
      }
      counts.set(source, (counts.get(source) ?? 0) + 1);
    }
  }
  const coverage = new Map<string, number>();
  for (const [s, n] of counts) coverage.set(s, candidates.length ? n / candidates.length : 0);
  return { scoreRange, coverage, size: candidates.length };
}

/** Every extractor has this shape: a literal `type`, a name, a pure value. */
export interface FeatureInput {
  candidate: Candidate;
  list: ListStats;
  ctx: FeatureContext;
}
