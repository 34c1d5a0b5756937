import type {
  CollectionRoutes,
  FeedbackRoutes,
  HealthRoutes,
  ItemInput,
  ItemRoutes,
  ItemStreamRoutes,
  JobRoutes,
  ModelRoutes,
  RecommendRoutes,
  RequestOptions,
  RouteCall,
  RouteInput,
  RouteOutput,
  SearchRoutes,
} from './route-types.js';
import { createTransport, type ClientOptions, type Method, type Transport } from './transport.js';

/** A client method, carrying the route it calls (the route-coverage test compares these with the server). */
export type Bound<S> = RouteCall<S> & { readonly method: Method; readonly path: string };

function bind<S>(t: Transport, method: Method, path: string): Bound<S> {
  const call = (input?: unknown, opts?: Parameters<Transport>[3]) => t(method, path, input, opts);
  return Object.assign(call, { method, path }) as unknown as Bound<S>;
}

type StreamCall = ((
  input: RouteInput<ItemStreamRoutes['stream']> & { items: Iterable<ItemInput> | string },
  opts?: RequestOptions,
) => Promise<RouteOutput<ItemStreamRoutes['stream']>>) & {
  readonly method: Method;
  readonly path: string;
};

/** POST /v1/items/stream: the items go as NDJSON (one per line), the other fields as query parameters. */
function bindStream(t: Transport): StreamCall {
  const path = '/v1/items/stream';
  const call = (
    { items, ...query }: { items: Iterable<ItemInput> | string },
    opts?: RequestOptions,
  ) => {
    const body =
      typeof items === 'string'
        ? items
        : Array.from(items, (i) => JSON.stringify(i)).join('\n') + '\n';
    return t('post', path, query, opts, { body, contentType: 'application/x-ndjson' });
  };
  return Object.assign(call, { method: 'post' as const, path }) as unknown as StreamCall;
}

/** Typed client for every route of the Chorus HTTP API; needs nothing but `fetch`. */
export function createClient(opts: ClientOptions) {
  const t = createTransport(opts);
  return {
    healthz: bind<HealthRoutes['healthz']>(t, 'get', '/healthz'),
    readyz: bind<HealthRoutes['readyz']>(t, 'get', '/readyz'),
    /** Prometheus text. */
    metrics: bind<HealthRoutes['metrics']>(t, 'get', '/metrics'),
    collections: {
      list: bind<CollectionRoutes['list']>(t, 'get', '/v1/collections'),
      create: bind<CollectionRoutes['create']>(t, 'post', '/v1/collections'),
      get: bind<CollectionRoutes['get']>(t, 'get', '/v1/collections/:name'),
      drop: bind<CollectionRoutes['drop']>(t, 'delete', '/v1/collections/:name'),
      synonyms: bind<CollectionRoutes['synonyms']>(t, 'get', '/v1/collections/:name/synonyms'),
      /** Replaces the collection's synonym groups (admin key); an empty list removes them. */
      setSynonyms: bind<CollectionRoutes['setSynonyms']>(
        t,
        'put',
        '/v1/collections/:name/synonyms',
      ),
      curations: bind<CollectionRoutes['curations']>(t, 'get', '/v1/collections/:name/curations'),
      lexical: bind<CollectionRoutes['lexical']>(t, 'get', '/v1/collections/:name/lexical'),
      /** Replaces the collection's BM25 field weights (admin key); then a lexical-rebuild job applies them. */
      setLexical: bind<CollectionRoutes['setLexical']>(t, 'put', '/v1/collections/:name/lexical'),
      /** Replaces the collection's curation rules (admin key); an empty list removes them. */
      setCurations: bind<CollectionRoutes['setCurations']>(
        t,
        'put',
        '/v1/collections/:name/curations',
      ),
      suggestionSettings: bind<CollectionRoutes['suggestionSettings']>(
        t,
        'get',
        '/v1/collections/:name/suggestion-settings',
      ),
      /** Replaces the words and phrases the collection never suggests (admin key). */
      setSuggestionSettings: bind<CollectionRoutes['setSuggestionSettings']>(
        t,
        'put',
        '/v1/collections/:name/suggestion-settings',
      ),
      /** The collection's default ranking (the fusion preset searches naming no ranker use). */
      ranking: bind<CollectionRoutes['ranking']>(t, 'get', '/v1/collections/:name/ranking'),
      /** Applies a fusion preset, or saves settings as one and applies it (admin key). */
      setRanking: bind<CollectionRoutes['setRanking']>(t, 'put', '/v1/collections/:name/ranking'),
      /** Past queries that start with what is typed (search-box suggestions). */
      suggestions: bind<CollectionRoutes['suggestions']>(
        t,
        'get',
        '/v1/collections/:name/suggestions',
      ),
      /** Search analytics (admin key): top queries, queries without results or keyword match. */
      queryReport: bind<CollectionRoutes['queryReport']>(
        t,
        'get',
        '/v1/collections/:name/analytics/queries',
      ),
      /** Synonyms, curations, BM25 and suggestion settings and the default ranking in one document. */
      settings: bind<CollectionRoutes['settings']>(t, 'get', '/v1/collections/:name/settings'),
      /** Replaces the parts of the settings the document has (admin key); the others are kept. */
      setSettings: bind<CollectionRoutes['setSettings']>(
        t,
        'put',
        '/v1/collections/:name/settings',
      ),
    },
    items: {
      upsert: bind<ItemRoutes['upsert']>(t, 'post', '/v1/items'),
      /** Many items as one NDJSON stream, committed in batches (a bad line is reported, the rest go on). */
      stream: bindStream(t),
      get: bind<ItemRoutes['get']>(t, 'get', '/v1/items/:id'),
      /** A page of a collection in id order; pass `next` as `cursor` for the following one. */
      scroll: bind<ItemRoutes['scroll']>(t, 'post', '/v1/items/scroll'),
      /** Value counts of payload fields over the whole collection, or the items a filter selects. */
      facets: bind<ItemRoutes['facets']>(t, 'post', '/v1/items/facets'),
      /** Delete many items: up to 10,000 ids, or every item a filter selects. */
      deleteMany: bind<ItemRoutes['deleteMany']>(t, 'post', '/v1/items/delete'),
      /** Change some payload fields of one item (`set`, `unset`); its vectors stay. */
      patch: bind<ItemRoutes['patch']>(t, 'patch', '/v1/items/:id'),
      delete: bind<ItemRoutes['delete']>(t, 'delete', '/v1/items/:id'),
    },
    search: bind<SearchRoutes['search']>(t, 'post', '/v1/search'),
    recommend: bind<RecommendRoutes['recommend']>(t, 'post', '/v1/recommend'),
    feedback: bind<FeedbackRoutes['feedback']>(t, 'post', '/v1/feedback'),
    users: {
      delete: bind<FeedbackRoutes['deleteUser']>(t, 'delete', '/v1/users/:id'),
    },
    models: {
      list: bind<ModelRoutes['list']>(t, 'get', '/v1/models'),
      /** Starts a training job (202 with its id); poll `trainStatus`. */
      train: bind<ModelRoutes['train']>(t, 'post', '/v1/models/train'),
      trainStatus: bind<ModelRoutes['status']>(t, 'get', '/v1/models/train/:jobId'),
      cancelTraining: bind<ModelRoutes['cancel']>(t, 'post', '/v1/models/train/:jobId/cancel'),
      promote: bind<ModelRoutes['promote']>(t, 'post', '/v1/models/:version/promote'),
      /** The candidate against the serving ranker on its held-out queries, before promoting. */
      compare: bind<ModelRoutes['compare']>(t, 'get', '/v1/models/:version/compare'),
      rollback: bind<ModelRoutes['rollback']>(t, 'post', '/v1/models/rollback'),
      challenger: bind<ModelRoutes['challenger']>(t, 'post', '/v1/models/challenger'),
      interleaving: bind<ModelRoutes['interleaving']>(t, 'get', '/v1/models/interleaving'),
    },
    jobs: {
      start: bind<JobRoutes['start']>(t, 'post', '/v1/jobs'),
      /** Queue backend, counts, and the newest jobs (`limit`, training jobs included). */
      counts: bind<JobRoutes['counts']>(t, 'get', '/v1/jobs'),
      get: bind<JobRoutes['get']>(t, 'get', '/v1/jobs/:id'),
      cancel: bind<JobRoutes['cancel']>(t, 'post', '/v1/jobs/:id/cancel'),
    },
  };
}

export type ChorusClient = ReturnType<typeof createClient>;
