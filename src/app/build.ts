import path from 'node:path';
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { createEncoderRegistry, type EncoderRegistry } from '../../indexers/registry.js';
import type { Reranker } from '../../rerankers/reranker.js';
import { collectionSearchDefaults, KvRankingDefaults } from '../storage/fusion-presets.js';
import { KvSynonyms } from './synonyms.js';
import { KvCurations } from './curations.js';
import { LoggedQuerySuggestions } from './query-suggestions.js';
import { queryAnalytics } from '../feedback/query-analytics.js';
import { KvLexicalSettings } from '../storage/lexical-settings-repo.js';
import { KvSuggestionSettings } from '../storage/suggestion-settings-repo.js';
import { createApp, type ChorusApp, type ExtraRouter } from '../api/app.js';
import { createMetrics } from '../api/metrics.js';
import type { RouteDeps } from '../api/route-deps.js';
import type { ChorusConfig } from '../config.js';
import { Engine } from '../engine/engine.js';
import { kvWriteJournal } from '../engine/write-journal.js';
import { FEEDBACK_STATE_FILE, FeedbackState } from '../feedback/feedback-state.js';
import { feedbackIngest } from '../feedback/ingest.js';
import { OffThreadEventLog } from '../storage/events-writer.js';
import { DAY_MS, EventRetention } from '../storage/event-retention.js';
import { Bm25Index, DEFAULT_BM25, LEXICAL_FILE } from '../lexical/bm25-index.js';
import { openChorusDb, type ChorusDb } from '../storage/index.js';
import { createServerJobs, type ServerJobs } from '../jobs/server-jobs.js';
import { createVectorStore } from '../stores/create-vector-store.js';
import type { VectorStore } from '../stores/vector-store.js';
import { ChorusError } from '../errors.js';
import { applyV8HeapSettings } from './v8-heap.js';

export interface BuildOptions {
  logger?: Logger;
  /** A loaded registry (the caller closes it), or 'none' to skip models (tests and benchmarks that send vectors). */
  encoders?: EncoderRegistry | 'none';
  /** Extra rankers, e.g. `model` (the promoted learned reranker). */
  rerankers?: Record<string, Reranker>;
  /** Extra routers (models API, admin UI). */
  extraRouters?: (
    deps: RouteDeps,
    built: { db: ChorusDb; engine: Engine; jobs: ServerJobs },
  ) => ExtraRouter[];
  /** LanceDB index maintenance mode (benchmarks use 'inline'). */
  indexMaintenance?: 'background' | 'inline';
  /** Graph-search worker threads of the LanceDB store (default: see LanceDbStoreOptions.searchThreads). */
  searchThreads?: number;
  /**
   * Score BM25 of big collections on a worker thread from the start, as `listen` does (the embedded library:
   * its caller's event loop may serve concurrent searches). One-shot commands leave it off.
   */
  lexicalThread?: boolean;
}

/** Everything a running Chorus holds, built in order: config -> stores -> encoders -> engine -> HTTP app. */
export interface Chorus {
  config: ChorusConfig;
  store: VectorStore;
  db: ChorusDb;
  bm25: Bm25Index;
  state: FeedbackState;
  registry?: EncoderRegistry;
  engine: Engine;
  api: ChorusApp;
  logger: Logger;
  /** The job queue; its worker starts with `listen`. */
  jobs: ServerJobs;
  /** Event log retention (feedback.retentionDays): passes run hourly once `listen` is called. */
  retention: EventRetention;
  listen(
    port?: number,
    host?: string,
  ): Promise<{ server: Server; url: string; host: string; port: number }>;
  close(): Promise<void>;
}

export async function buildChorus(config: ChorusConfig, opts: BuildOptions = {}): Promise<Chorus> {
  applyV8HeapSettings(config.runtime);
  const logger = opts.logger ?? pino({ level: config.logLevel });
  const store = await createVectorStore(config, {
    indexMaintenance: opts.indexMaintenance,
    searchThreads: opts.searchThreads,
    // A full table scan: worth seeing in the log when it happens (another process wrote to the collection).
    onIndexRebuild: (collection) =>
      logger.info(
        { collection },
        'ANN index rebuilt from the table after a write from another process',
      ),
  });
  const db = openChorusDb(config.dataDir);
  // The server's own impressions commit on a writer thread, off the event loop.
  const events = new OffThreadEventLog(db.events, db.file);
  const bm25 = new Bm25Index(path.join(config.dataDir, LEXICAL_FILE), {
    ...DEFAULT_BM25,
    typoTolerance: config.search.typoTolerance,
  });
  bm25.useWriteThread(); // BM25 writes off the event loop: searches during bulk loads wait less
  const state = new FeedbackState(path.join(config.dataDir, FEEDBACK_STATE_FILE));
  // Every impression commits to the state on the event loop; its WAL checkpoints (copy + fsyncs) run on a thread.
  state.checkpointOffThread({
    onError: (e) => logger.warn({ err: e }, 'feedback state checkpoint thread'),
  });
  const registry =
    opts.encoders === 'none' ? undefined : (opts.encoders ?? (await createEncoderRegistry(config)));
  // A registry passed in belongs to the caller (quickstart reuses the one it indexed with).
  const ownsRegistry = opts.encoders === undefined;
  const metrics = createMetrics();
  const journal = kvWriteJournal(db.kv);
  const engine = new Engine({
    store,
    bm25,
    state,
    ingest: feedbackIngest({ store, state, events }),
    events,
    provenance: db.provenance,
    encoders: () => registry?.available ?? [],
    queryRoutes: registry ? (m) => registry.queryRoutes(m) : undefined,
    search: config.search,
    limits: config.limits,
    rerankers: opts.rerankers,
    observeStage: metrics.observeStage,
    onLogError: (e) => logger.error({ err: e }, 'impression logging failed'),
    // The fusion preset applied to a collection in the admin UI is its default ranking.
    searchDefaults: (collection) => collectionSearchDefaults(db.kv, collection),
    synonyms: new KvSynonyms(db.kv, (collection) => bm25.language(collection)),
    curations: new KvCurations(db.kv),
    searchAnalytics: (collection, o) => queryAnalytics(db.events, collection, o),
    suggestions: new LoggedQuerySuggestions(db.events, {
      ...config.suggestions,
      refreshMs: config.suggestions.refreshSeconds * 1000,
    }),
    lexicalSettings: new KvLexicalSettings(db.kv),
    suggestionSettings: new KvSuggestionSettings(db.kv),
    rankingDefaults: new KvRankingDefaults(db.kv),
    settingsTransaction: (fn) => db.kv.transaction(fn),
    journal,
  });
  // A crash between a store commit and its BM25 update left a journal entry: re-sync those ids from the store.
  const recovered = await engine.recoverPendingWrites();
  if (recovered > 0)
    logger.warn(
      { ids: recovered },
      'lexical index re-synced with the store after an interrupted write',
    );
  // Jobs (/v1/jobs; bull-board at /admin/queues on Redis) run against this server's store, encoders and BM25.
  const jobs = await createServerJobs({
    config,
    store,
    encoders: () => registry?.available ?? [],
    bm25,
    db,
    cfRefresh: (c) => engine.refreshCf(c),
    rebuildLexical: (c, o) => engine.rebuildLexical(c, o),
  });
  const api = createApp({
    engine,
    config,
    metrics,
    logger,
    extraRouters: (deps) => [
      ...jobs.routers(deps),
      ...(opts.extraRouters?.(deps, { db, engine, jobs }) ?? []),
    ],
  });
  // BM25 of big collections on a worker thread (search.lexicalThreadMinDocs): servers and the embedded library.
  const lexicalThread = () => {
    const minDocs = config.search.lexicalThreadMinDocs;
    if (minDocs > 0) bm25.useReadThread({ minDocs });
  };
  if (opts.lexicalThread) lexicalThread();
  const retention = new EventRetention({
    keepMs: config.feedback.retentionDays * DAY_MS,
    prune: async (cutoff, stopped) => {
      const deleted = await events.pruneReceivedBefore(cutoff);
      // The ids that make client events idempotent go with them (a retry after that applies again).
      const ids = await state.pruneAppliedBefore(cutoff, { stopped });
      if (ids > 0)
        logger.info(
          { forgotten: ids, appliedBefore: new Date(cutoff).toISOString() },
          'feedback state retention: forgot applied event ids',
        );
      // Deleted rows only free pages inside the files: give them back, or a lowered retention never shrinks them.
      if (!stopped()) {
        const bytes =
          (await events.reclaimFreePages()) + (await state.reclaimFreePages({ stopped }));
        if (bytes > 0)
          logger.info(
            { bytes, mb: Math.round(bytes / 1e5) / 10 },
            'retention: gave free pages back to the file system',
          );
      }
      return deleted;
    },
    onPruned: (deleted, cutoff) =>
      logger.info(
        { deleted, receivedBefore: new Date(cutoff).toISOString() },
        'event log retention: deleted old events',
      ),
    onError: (e) => logger.warn({ err: e }, 'event log retention pass failed'),
  });
  metrics.gauge(
    'chorus_events_pruned',
    'Events deleted from the event log by retention passes (feedback.retentionDays), since start',
    () => retention.stats.deleted,
  );
  const servers: Server[] = [];
  return {
    config,
    store,
    db,
    bm25,
    state,
    registry,
    engine,
    api,
    logger,
    jobs,
    retention,
    async listen(port = config.port, host = bindHost(config, api)) {
      await jobs.start();
      // A server scores BM25 on its own thread: one-shot commands (search, eval) never start one.
      lexicalThread();
      // Only a server prunes the event log: a one-shot command never deletes anything.
      retention.start();
      return new Promise((resolve, reject) => {
        const server = api.app.listen(port, host);
        server.once('error', (e: NodeJS.ErrnoException) => {
          // The common start-up failures get a sentence a user can act on, not a stack trace.
          if (e.code === 'EADDRINUSE') {
            reject(
              new ChorusError(
                'CONFLICT',
                `port ${port} on ${host} is already in use: stop the other process or pick another port (--port, CHORUS_PORT)`,
              ),
            );
          } else if (e.code === 'EACCES') {
            reject(
              new ChorusError(
                'CONFLICT',
                `no permission to listen on port ${port} (ports below 1024 need privileges): pick another port (--port, CHORUS_PORT)`,
              ),
            );
          } else reject(e);
        });
        server.once('listening', () => {
          servers.push(server);
          const addr = server.address();
          const actual = typeof addr === 'object' && addr ? addr.port : port;
          const shown = host.includes(':') ? `[${host}]` : host;
          resolve({
            server,
            url: `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${actual}`,
            host,
            port: actual,
          });
        });
      });
    },
    async close() {
      await jobs.close();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      await engine.flush();
      // Stopped before the log closes (which cancels a running pass), awaited after.
      const retentionStopped = retention.stop();
      await events.close();
      await retentionStopped;
      if (ownsRegistry) await registry?.close();
      await store.close();
      journal.flush?.();
      await bm25.close();
      await state.stopCheckpoints();
      state.close();
      db.close();
    },
  };
}

/** Without any key configured the API is open, so it binds to loopback only, whatever host says. */
export function bindHost(config: ChorusConfig, api: Pick<ChorusApp, 'keys'>): string {
  if (api.keys.open) return '127.0.0.1';
  return config.host ?? '0.0.0.0';
}
