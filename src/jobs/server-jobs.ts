import { Router } from 'express';
import type { Encoder } from '../../indexers/encoder.js';
import type { ExtraRouter } from '../api/app.js';
import { sameOriginWrites } from '../api/middleware/host-guard.js';
import type { RouteDeps } from '../api/route-deps.js';
import type { ChorusConfig } from '../config.js';
import { lexicalHook } from '../indexing/index-runtime.js';
import type { Bm25Index } from '../lexical/bm25-index.js';
import type { ChorusDb } from '../storage/index.js';
import { kvLexicalWeights } from '../storage/lexical-settings-repo.js';
import type { VectorStore } from '../stores/vector-store.js';
import type { BullmqQueue } from './bullmq-queue.js';
import { createJobQueue } from './create-queue.js';
import type { JobContext } from './job-context.js';
import { createJobsRouter } from './jobs-router.js';
import type { JobQueue } from './queue.js';
import { SqliteCheckpointStore } from './sqlite-checkpoint-store.js';
import { TrainingJobs } from './training-jobs.js';

export const BULL_BOARD_PATH = '/admin/queues';

export interface ServerJobsDeps {
  config: ChorusConfig;
  store: VectorStore;
  encoders: () => readonly Encoder[];
  bm25: Bm25Index;
  db: ChorusDb;
  cfRefresh?: (collection: string) => Promise<unknown>;
  rebuildLexical?: JobContext['rebuildLexical'];
}

export interface ServerJobs {
  queue: JobQueue;
  /** Training jobs on that queue; the model registry's holder calls `training.provide(...)`. */
  training: TrainingJobs;
  /** /v1/jobs, plus bull-board at /admin/queues (admin key) when the queue is BullMQ. */
  routers(deps: RouteDeps): ExtraRouter[];
  /** Starts this server's worker (waiting jobs from before a restart resume here too). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The job queue as a server hosts it: jobs run against the server's own store, encoders and BM25 index
 * (so the lexical index it serves sees their writes at once), on BullMQ when REDIS_URL is set, otherwise
 * in process with checkpoints in the SQLite store.
 */
export async function createServerJobs(deps: ServerJobsDeps): Promise<ServerJobs> {
  const context: JobContext = {
    store: deps.store,
    provenance: deps.db.provenance,
    get encoders() {
      return [...deps.encoders()];
    },
    maxFileBytes: deps.config.limits.maxUploadBytes,
    afterUpsert: lexicalHook(deps.store, deps.bm25, kvLexicalWeights(deps.db.kv)),
    cfRefresh: deps.cfRefresh,
    rebuildLexical: deps.rebuildLexical,
    trainer: (req, opts) => training.trainer(req, opts),
  };
  const queue = await createJobQueue(deps.config, {
    context: () => context,
    checkpoints: new SqliteCheckpointStore(deps.db),
  });
  const training = new TrainingJobs(queue);
  // bull-board (and its express adapter) only where there is a BullMQ queue to show.
  const board = queue.kind === 'bullmq' ? await import('./bull-board.js') : undefined;
  return {
    queue,
    training,
    routers(routeDeps) {
      const out = [createJobsRouter(routeDeps, queue, training)];
      if (board) {
        // Extra routers are mounted at the root, so the board gets its own prefix here.
        const router = Router();
        // Browsers replay cached Basic credentials cross-site: board writes (retry, clean) must be same-origin.
        router.use(
          BULL_BOARD_PATH,
          sameOriginWrites(),
          board.createBullBoardRouter([(queue as BullmqQueue<JobContext>).queue], {
            basePath: BULL_BOARD_PATH,
            adminKey: deps.config.adminKey,
          }),
        );
        out.push({ router, routes: [] });
      }
      return out;
    },
    start: () => queue.startWorker({ concurrency: deps.config.jobs.concurrency }),
    close: () => queue.close(),
  };
}
