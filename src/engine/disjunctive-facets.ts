import type { Candidate } from '../domain/candidate.js';
import type { Filter } from '../domain/filter.js';
import { retrieve, type RetrieveArgs, type RetrieveDeps } from './retrieve.js';
import { StageTimer } from './stage-timer.js';

/**
 * Per selected facet field, the candidates the query would have without that field's selection (the filter and the
 * other fields' selections kept): its facet then still counts the values a user could switch to, as Algolia's
 * disjunctive faceting runs one extra query per such field. Stage 1 only (no ranking, no log); the lists' own
 * timings and plans stay out of the request's, which report the whole as `facets`.
 */
export async function disjunctiveCandidates(
  deps: RetrieveDeps,
  args: Omit<RetrieveArgs, 'filter'>,
  filters: ReadonlyMap<string, Filter | undefined>,
): Promise<Map<string, Candidate[]>> {
  const lists = await Promise.all(
    [...filters].map(
      async ([field, filter]) =>
        [field, await retrieve(deps, { ...args, filter }, new StageTimer())] as const,
    ),
  );
  return new Map(lists);
}
