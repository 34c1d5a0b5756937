import type { Filter } from '../domain/filter.js';
import { ChorusError } from '../errors.js';
import { collectionBaseline, defaultFusion } from './baseline-fusion.js';
import { checkFilter } from './cost-limits.js';
import type { EngineDeps } from './engine-deps.js';
import { encodeQuery, routesFromEncoders, type QueryInput } from './query-encoding.js';
import type { SchemaCache } from './schema-cache.js';
import { StageTimer } from './stage-timer.js';
import { runTwoStage, type RankedResponse } from './two-stage.js';

export interface SearchRequest {
  collection: string;
  query: QueryInput;
  filter?: Filter;
  /** Personalises ranking with the user's profile and is logged with the impression. */
  userId?: string;
  fusion?: string;
  weights?: Record<string, number>;
  limit?: number;
  /** Stage-1 depth per list (default config.search.candidatesPerModality). */
  candidates?: number;
  /** Include the BM25 list for text queries (default true). */
  lexical?: boolean;
  /** Drop items the user already engaged with (default false for search). */
  excludeSeen?: boolean;
  /** MMR diversity 0..1 (0 = off). */
  diversity?: number;
  /** RRF constant k for this request (default: the collection preset, then config.search.rrfK). */
  rrfK?: number;
  /** Log the impression (default true); the admin playground turns it off so tuning does not become training data. */
  logImpression?: boolean;
  /** Aborted when the caller gave up (request timeout, disconnect): no stage starts after that. */
  signal?: AbortSignal;
}

export async function search(
  deps: EngineDeps,
  schemas: SchemaCache,
  req: SearchRequest,
): Promise<RankedResponse> {
  checkFilter(deps.limits, req.filter);
  const timer = new StageTimer(deps.observeStage);
  const schema = await schemas.get(req.collection);
  const q = req.query;
  if (
    !q.text?.trim() &&
    !q.image &&
    !q.audio &&
    (!q.vectors || Object.keys(q.vectors).length === 0)
  ) {
    throw new ChorusError('VALIDATION', 'a search needs text, an image, audio or vectors');
  }
  req.signal?.throwIfAborted();
  const encoded = await timer.time('encode', () =>
    encodeQuery(deps.queryRoutes ?? ((m) => routesFromEncoders(deps.encoders(), m)), schema, q),
  );
  const lexical = req.lexical !== false && Boolean(q.text?.trim());
  if (encoded.vectors.size === 0 && !lexical) {
    throw new ChorusError(
      'MODEL_MISSING',
      `nothing can answer this query: ${encoded.missing.join('; ')}`,
      { notes: encoded.missing },
    );
  }
  const exclude =
    req.excludeSeen && req.userId ? deps.state.seen(req.collection, req.userId) : undefined;
  const defaults = deps.searchDefaults?.(req.collection);
  const kind = q.text?.trim() ? 'text' : q.image ? 'image' : q.audio ? 'audio' : 'vector';
  return runTwoStage(deps, {
    collection: req.collection,
    vectors: encoded.vectors,
    text: lexical ? q.text : undefined,
    filter: req.filter,
    userId: req.userId,
    exclude,
    fusion:
      req.fusion ??
      defaultFusion(defaults, {
        engineDefault: deps.search.defaultFusion,
        hasModel: deps.rerankers.get('model') !== undefined,
      }),
    weights: req.weights ?? defaults?.weights,
    rrfK: req.rrfK ?? defaults?.rrfK,
    logImpression: req.logImpression,
    limit: req.limit ?? deps.search.defaultLimit,
    candidatesPerList: req.candidates ?? defaults?.candidates,
    diversity: req.diversity,
    ctx: {
      queryKind: kind,
      queryModalities: encoded.modalities,
      baseline: collectionBaseline(defaults, deps.search.rrfK),
    },
    notes: encoded.missing,
    timer,
    signal: req.signal,
  });
}
