import { z } from 'zod';
import { Filter } from '../../domain/filter.js';
import type { Engine } from '../../engine/engine.js';
import type { RankedResponse } from '../../engine/two-stage.js';
import { CollectionName, UserId } from '../../domain/names.js';
import type { SortKey } from '../../domain/sort-keys.js';
import type { FacetFilters } from '../../domain/facet-filters.js';
import type { RankerSpec } from '../../domain/ranking-defaults.js';

/** One side of a comparison: a ranker and its fusion knobs, as the playground and the tuning panel send them. */
export { RankerSpec } from '../../domain/ranking-defaults.js';

export const QuerySpec = z
  .object({
    collection: CollectionName,
    text: z.string().max(4096).optional(),
    image: z.base64().max(20_000_000).optional(),
    audio: z.base64().max(20_000_000).optional(),
    filter: Filter.optional(),
    userId: UserId.optional(),
    limit: z.number().int().min(1).max(100).default(10),
  })
  .strict();
export type QuerySpec = z.infer<typeof QuerySpec>;

/** Runs one side. Admin searches never log impressions: tuning clicks must not become training data. */
export function runSide(
  engine: Engine,
  q: QuerySpec,
  side: RankerSpec,
  how: {
    sort?: SortKey[];
    prefix?: boolean;
    facets?: string[];
    facetSize?: number;
    facetFilters?: FacetFilters;
  } = {},
): Promise<RankedResponse> {
  return engine.search({
    collection: q.collection,
    query: {
      text: q.text,
      image: q.image ? Buffer.from(q.image, 'base64') : undefined,
      audio: q.audio ? Buffer.from(q.audio, 'base64') : undefined,
    },
    filter: q.filter,
    userId: q.userId,
    fusion: side.fusion,
    weights: side.weights,
    rrfK: side.rrfK,
    candidates: side.candidates,
    limit: q.limit,
    sort: how.sort,
    prefix: how.prefix,
    ...(how.facets?.length ? { facets: how.facets, facetSize: how.facetSize } : {}),
    ...(how.facetFilters ? { facetFilters: how.facetFilters } : {}),
    logImpression: false,
    // Titles show which words the lexical list matched; a snippet of the other text fields shows where.
    highlight: true,
    snippet: 160,
  });
}
