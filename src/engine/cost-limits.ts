import type { ChorusConfig } from '../config.js';
import type { Filter } from '../domain/filter.js';
import { ChorusError } from '../errors.js';
import { checkFilterCost } from '../domain/filter-rules.js';

/** The query cost caps of config.limits (filter size, depth, `in` length, candidates × lists). */
export type QueryLimits = Pick<
  ChorusConfig['limits'],
  'filterMaxConditions' | 'filterMaxDepth' | 'filterMaxInValues' | 'maxCandidateWork'
>;

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  filterMaxConditions: 256,
  filterMaxDepth: 4,
  filterMaxInValues: 256,
  maxCandidateWork: 4000,
};

/**
 * Checked before any encoding or store call: an over-limit filter is a prompt 400, not 30 s of work. Routes call
 * it on the raw body too, before schema validation (which costs far more than counting).
 */
export function checkFilter(limits: QueryLimits | undefined, filter: Filter | unknown): void {
  checkFilterCost(filter, limits ?? DEFAULT_QUERY_LIMITS);
}

/**
 * Stage-1 work is candidates per list times the lists a query runs (one per vector, plus BM25), times its passes:
 * each selected facet field also counted as a facet runs the lists once more (disjunctive facets).
 */
export function checkCandidateWork(
  limits: QueryLimits | undefined,
  perList: number,
  lists: number,
  passes = 1,
): void {
  const max = (limits ?? DEFAULT_QUERY_LIMITS).maxCandidateWork;
  const work = perList * lists * passes;
  if (work > max) {
    const extra = passes > 1 ? ` × ${passes} passes (facet selections counted as facets)` : '';
    throw new ChorusError(
      'VALIDATION',
      `${perList} candidates × ${lists} lists${extra} = ${work} exceeds the limit of ${max} (limits.maxCandidateWork): ask for fewer candidates${passes > 1 ? ' or facets' : ''}`,
      { limit: 'maxCandidateWork', value: work, max },
    );
  }
}
