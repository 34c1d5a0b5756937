import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { CollectionName } from '../../domain/collection.js';
import { FieldKey, Filter } from '../../domain/filter.js';
import { VectorName } from '../../domain/modality.js';
import { sniffModality } from '../media-sniff.js';
import { requestSignal } from '../middleware/request-timeout.js';
import { routeHandlers, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { Base64Media, RankedResponse } from '../schemas.js';
import { parseBody } from '../validate.js';
import { UserId } from '../../domain/names.js';
import { checkFilter } from '../../engine/cost-limits.js';
import { MAX_FACET_FIELDS, MAX_FACET_SIZE } from '../../engine/facets.js';
import { MAX_FACET_FILTER_VALUES } from '../../domain/facet-filters.js';
import { GeoPoint } from '../../domain/geo.js';
import { MAX_OFFSET } from '../../engine/paging.js';
import { MAX_SORT_KEYS } from '../../engine/sort.js';
import { FUSION_NAMES } from '../../domain/fusion-names.js';

export const FusionName = z.enum(FUSION_NAMES).meta({
  description:
    'Stage-2 ranker: a baseline fusion, or `model` (the promoted learned reranker; falls back to rrf when none)',
});
export const Weights = z.record(z.string().max(64), z.number().min(0).max(1000)).meta({
  description:
    'Per-source weights (vector name, family such as `image`, `bm25`, `profile`) for rrf/weighted/dbsf',
});
const MAX_VECTOR_DIM = 8192;

/** Why `v` is not a list of 1..8192 finite numbers, or undefined. */
function numberListProblem(v: unknown): string | undefined {
  // Bulk item bodies arrive with vectors already checked and converted on a parser thread (api/body/items-body).
  if (v instanceof Float32Array) return undefined;
  if (!Array.isArray(v)) return 'expected an array of numbers';
  if (v.length < 1 || v.length > MAX_VECTOR_DIM)
    return `expected 1 to ${MAX_VECTOR_DIM} numbers, got ${v.length}`;
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      return `value ${i}: expected a finite number, got ${JSON.stringify(x) ?? typeof x}`;
  }
  return undefined;
}

/**
 * A vector as JSON numbers. One loop instead of z.array(z.number()), which validated element by element through
 * zod's machinery and cost as much as JSON.parse itself on bulk writes (~0.5 ms per 1,408-number item). The
 * JSON Schema (OpenAPI) is given by hand and says the same.
 */
export const NumberList = z
  .custom<number[] | Float32Array>((v) => numberListProblem(v) === undefined, {
    error: (issue) => numberListProblem(issue.input),
  })
  .meta({ type: 'array', items: { type: 'number' }, minItems: 1, maxItems: MAX_VECTOR_DIM });

export const Offset = z.number().int().min(0).max(MAX_OFFSET).meta({
  description:
    'Ranked hits to skip (offset 10, limit 10: the second page of ten). Pages of one query come from the same candidates and ranking; a page past the candidates is empty',
});

/** Payload fields to count values of (a search's candidates, or a whole collection). */
export const FacetFields = z.array(z.string().min(1).max(64)).max(MAX_FACET_FIELDS);
export const FacetSize = z
  .number()
  .int()
  .min(1)
  .max(MAX_FACET_SIZE)
  .meta({ description: 'Values per facet, most frequent first (default 10)' });

export const FacetFiltersSchema = z
  .record(
    FieldKey,
    z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .max(MAX_FACET_FILTER_VALUES),
  )
  .refine((r) => Object.keys(r).length <= MAX_FACET_FIELDS, {
    message: `at most ${MAX_FACET_FIELDS} fields`,
  })
  .meta({
    description:
      "Ticked facet values per payload field: hits have one of each field's values (OR within a field, AND across fields). A field also named in `facets` is counted as if its own selection were not there (the filter and the other fields' selections still apply), so its other values keep their counts: disjunctive facets. Each such field runs the stage-1 lists once more",
  });

export const SortKeys = z
  .array(
    z
      .object({
        field: z.string().min(1).max(64).meta({ description: 'A payload field' }),
        order: z.enum(['asc', 'desc']).optional().meta({ description: 'Default asc' }),
        near: GeoPoint.optional().meta({
          description:
            'The field holds points ({lat, lon}): sort by great-circle distance from this one (asc: nearest first); hits then carry `distance` in metres',
        }),
      })
      .strict(),
  )
  .min(1)
  .max(MAX_SORT_KEYS)
  .meta({
    description:
      "Order the query's candidates (the union of its stage-1 lists, filter applied) by payload fields, key by key, ties by relevance; hits without a value come last. A list field sorts by its least element (asc) or greatest (desc). Not with `diversity`",
  });

export const QueryVectors = z.record(VectorName, NumberList).meta({
  description: 'Precomputed query vectors per vector name (dimension must match the collection)',
});

export const SearchBody = z
  .object({
    collection: CollectionName,
    text: z.string().max(4096).optional(),
    image: Base64Media.optional().meta({ description: 'Image bytes, base64' }),
    audio: Base64Media.optional().meta({ description: 'Audio bytes, base64' }),
    vectors: QueryVectors.optional(),
    filter: Filter.optional(),
    userId: UserId.optional(),
    fusion: FusionName.optional(),
    weights: Weights.optional(),
    limit: z.number().int().min(1).max(200).optional(),
    offset: Offset.optional(),
    prefix: z.boolean().optional().meta({
      description:
        'Search as you type: the text\'s last word, with nothing after it (not even a space), also matches the words it begins in the BM25 list ("blue jer" finds "blue jersey"; at least 3 characters, its 16 most frequent completions). Default false',
    }),
    highlight: z.boolean().optional().meta({
      description:
        "Text queries: each hit's `highlights` give, per text field (the collection's BM25 fields), where it holds the query's terms as [start, end) offsets in UTF-16 code units",
    }),
    snippet: z.number().int().min(20).max(2000).optional().meta({
      description:
        "Text queries: each hit's `snippets` give, per string field that holds the query's terms, the best window of at most this many characters ([start, end) in UTF-16 code units, at word boundaries, as many matches as fit); implies `highlight`",
    }),
    facets: FacetFields.optional().meta({
      description:
        "Payload fields whose values to count over the query's candidates (the union of its stage-1 lists, filter applied), answered as `facets`",
    }),
    facetSize: FacetSize.optional(),
    facetFilters: FacetFiltersSchema.optional(),
    sort: SortKeys.optional(),
    collapse: z.string().min(1).max(64).optional().meta({
      description:
        'Keep only the best-ranked hit per value of this payload field (variants of one product); each kept hit says how many it stands for (`collapsed`)',
    }),
    curate: z.boolean().optional().meta({
      description:
        "Apply the collection's curation rule for this text (promoted items first, hidden ones left out; default true)",
    }),
    candidates: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .meta({ description: 'Stage-1 depth per list' }),
    rrfK: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .meta({ description: 'RRF constant k (default: the collection preset, then search.rrfK)' }),
    lexical: z
      .boolean()
      .optional()
      .meta({ description: 'Include the BM25 list for text (default true)' }),
    excludeSeen: z.boolean().optional(),
    diversity: z.number().min(0).max(1).optional().meta({ description: 'MMR trade-off; 0 = off' }),
  })
  .strict()
  .refine(
    (b) => b.text?.trim() || b.image || b.audio || (b.vectors && Object.keys(b.vectors).length > 0),
    {
      message: 'a search needs text, image, audio or vectors',
    },
  )
  .meta({ id: 'SearchRequest' });

export const searchRoutes = {
  search: {
    method: 'post',
    path: '/v1/search',
    tag: 'search',
    scope: 'read',
    admission: true,
    summary: 'Two-stage multimodal search',
    description:
      'Encodes the query in every modality that reaches the collection, runs one ANN search per vector name (filters pushed down) plus BM25, fuses the union and explains each hit. The impression is logged under `queryId`.',
    body: SearchBody,
    response: RankedResponse,
  },
} satisfies Record<string, RouteSpec>;

export function createSearchRouter(deps: RouteDeps): Router {
  const router = Router();
  router.post(searchRoutes.search.path, ...searchHandlers(deps));
  return router;
}

/** The route's guards and handler: mounted on the router, and run by the app's fast path (api/fast-route). */
export function searchHandlers(deps: RouteDeps): RequestHandler[] {
  return routeHandlers(deps, searchRoutes.search, async (req, res) => {
    checkFilter(deps.config.limits, (req.body as { filter?: unknown } | undefined)?.filter);
    const b = parseBody(SearchBody, req);
    const image = b.image ? Buffer.from(b.image, 'base64') : undefined;
    const audio = b.audio ? Buffer.from(b.audio, 'base64') : undefined;
    // Media is judged by its bytes: a text file sent as an image is a 415, before any decoder sees it.
    if (image) await sniffModality(image, 'image');
    if (audio) await sniffModality(audio, 'audio');
    const result = await deps.engine.search({
      collection: b.collection,
      query: { text: b.text, image, audio, vectors: b.vectors },
      filter: b.filter,
      userId: b.userId,
      fusion: b.fusion,
      weights: b.weights,
      limit: b.limit,
      offset: b.offset,
      facets: b.facets,
      facetSize: b.facetSize,
      facetFilters: b.facetFilters,
      sort: b.sort,
      collapse: b.collapse,
      curate: b.curate,
      highlight: b.highlight,
      snippet: b.snippet,
      prefix: b.prefix,
      candidates: b.candidates,
      rrfK: b.rrfK,
      lexical: b.lexical,
      excludeSeen: b.excludeSeen,
      diversity: b.diversity,
      signal: requestSignal(res),
    });
    res.json(result);
  });
}
