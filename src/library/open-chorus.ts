import path from 'node:path';
import type { EncoderRegistry } from '../../indexers/registry.js';
import type { ModelRegistry, TrainRequest } from '../model-registry/registry.js';
import type { Chorus } from '../app/build.js';
import type { ChorusConfig, ConfigInput } from '../config.js';
import type { CollectionSchema, CollectionSchemaInput } from '../domain/collection.js';
import type { FeedbackEventInput } from '../domain/feedback.js';
import type { ItemWrite } from '../engine/items.js';
import type { RecommendRequest } from '../engine/recommend.js';
import type { SearchRequest } from '../engine/search.js';
import type { RankedResponse } from '../engine/two-stage.js';
import type { IngestResult } from '../feedback/ingest.js';
import type { Item } from '../domain/item.js';

export interface OpenChorusOptions {
  /** Where collections, feedback, models and indexes live (created if missing). */
  dataDir: string;
  /**
   * Settings as in chorus.config.json (search, limits, models, store...). Environment variables and config files
   * are not read: an embedding program says what it wants here.
   */
  config?: Omit<ConfigInput, 'dataDir'>;
  /** 'auto' loads the configured encoders (text/image/audio queries); 'none' skips them (callers send vectors). */
  encoders?: 'auto' | 'none';
}

type ModelRecord = ReturnType<ModelRegistry['get']>;

/** Chorus embedded in a Node program: the same engine, stores and learned reranker `chorus serve` runs. */
export interface EmbeddedChorus {
  readonly config: ChorusConfig;
  readonly collections: {
    create(schema: CollectionSchemaInput): Promise<CollectionSchema>;
    list(): Promise<CollectionSchema[]>;
    get(name: string): Promise<CollectionSchema>;
    count(name: string): Promise<number>;
    drop(name: string): Promise<void>;
  };
  /** Upsert items (text/media are embedded with the loaded encoders; precomputed vectors are used as given). */
  upsert(collection: string, items: ItemWrite[]): Promise<{ upserted: number }>;
  get(collection: string, ids: string[], opts?: { withVectors?: boolean }): Promise<Item[]>;
  delete(collection: string, ids: string[]): Promise<{ deleted: number }>;
  search(req: SearchRequest): Promise<RankedResponse>;
  recommend(req: RecommendRequest): Promise<RankedResponse>;
  /** Impressions, clicks, dwell, likes, purchases, skips: validated like POST /v1/feedback. */
  feedback(events: FeedbackEventInput | FeedbackEventInput[]): Promise<IngestResult>;
  readonly models: {
    /** Fits the fusion reranker on the collection's logged feedback (off the main thread) and registers a version. */
    train(req: TrainRequest): Promise<ModelRecord>;
    /**
     * Serves this version from the next search on, through the promotion guard: refused (PROMOTION_REFUSED) unless
     * it beats the serving ranker on held-out queries; `force` overrides and is recorded in the history.
     */
    promote(
      collection: string,
      version: string,
      opts?: { force?: boolean },
    ): Promise<{ previous: string | null; forced: boolean }>;
    rollback(collection: string): Promise<{ from: string | null; to: string | null }>;
    list(collection?: string): ModelRecord[];
  };
  /** Also serve the HTTP API (and admin UI) from this process. */
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Flushes feedback state and closes stores, encoders and any server. Call once. */
  close(): Promise<void>;
}

/** Opens (or creates) a Chorus data directory in this process. */
export async function openChorus(opts: OpenChorusOptions): Promise<EmbeddedChorus> {
  const [
    { parseConfig },
    { buildChorus },
    { attachModelServing },
    { ModelRegistry },
    { FeedbackEvent },
    { checkClientFeedback },
  ] = await Promise.all([
    import('../config.js'),
    import('../app/build.js'),
    import('../app/model-serving.js'),
    import('../model-registry/registry.js'),
    import('../domain/feedback.js'),
    import('../api/feedback-checks.js'),
  ]);
  const config = parseConfig(
    { logLevel: 'warn', ...opts.config, dataDir: path.resolve(opts.dataDir) },
    'openChorus options',
  );
  let registry: ModelRegistry | undefined = undefined;
  const encoders: EncoderRegistry | 'none' | undefined =
    opts.encoders === 'none' ? 'none' : undefined;
  // As `chorus serve` wires it: the `model` ranker serves the promoted version, and a promotion through this
  // registry swaps it live (the LiveReranker listens to this registry). No admin UI in a library.
  const chorus: Chorus = await buildChorus(config, {
    encoders,
    lexicalThread: true,
    extraRouters: (deps, built) => {
      registry = new ModelRegistry({
        db: built.db,
        dataDir: config.dataDir,
        executionProviders: config.executionProviders,
      });
      return attachModelServing(deps, built, { registry });
    },
  });
  if (!registry) throw new Error('the model registry was not wired');
  const models: ModelRegistry = registry;
  const { engine } = chorus;
  let closed = false;
  return {
    config,
    collections: {
      create: (schema) => engine.createCollection(schema),
      list: () => engine.listCollections(),
      get: (name) => engine.getCollection(name),
      count: async (name) => {
        await engine.getCollection(name);
        return chorus.store.count(name);
      },
      drop: (name) => engine.dropCollection(name),
    },
    upsert: (collection, items) => engine.upsertItems(collection, items),
    get: async (collection, ids, o = {}) => {
      await engine.getCollection(collection);
      return chorus.store.get(collection, ids, { withVectors: o.withVectors ?? false });
    },
    delete: (collection, ids) => engine.deleteItems(collection, ids),
    search: (req) => engine.search(req),
    recommend: (req) => engine.recommend(req),
    async feedback(input) {
      const events = (Array.isArray(input) ? input : [input]).map((e) => FeedbackEvent.parse(e));
      await checkClientFeedback(engine, events);
      return engine.ingest(events);
    },
    models: {
      train: (req) => models.trainInBackground(req),
      promote: (collection, version, opts) => models.promote(collection, version, opts),
      rollback: (collection) => models.rollback(collection),
      list: (collection) => models.list(collection),
    },
    listen: async (port = 0, host) => {
      const r = await chorus.listen(port, host);
      return { url: r.url, port: r.port };
    },
    async close() {
      if (closed) return;
      closed = true;
      await chorus.close();
    },
  };
}
