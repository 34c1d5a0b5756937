import type { KeyRing } from '../api/middleware/auth.js';
import type { JobQueue } from '../jobs/queue.js';
import type { TrainingJobs } from '../jobs/training-jobs.js';
import type { ChorusConfig } from '../config.js';
import type { Engine } from '../engine/engine.js';
import type { ChorusDb, ModelRecord } from '../storage/index.js';

/**
 * What the admin UI manages models through. The ModelRegistry (src/model-registry/registry.ts) fits it as is; without
 * one, promote/rollback go straight to the SQLite registry and training is unavailable.
 */
export interface ModelAdmin {
  list(collection?: string): ModelRecord[];
  /** `force` overrides the promotion guard where the registry has one (recorded in the promotion history). */
  promote(collection: string, version: string, opts?: { force?: boolean }): Promise<unknown>;
  rollback(collection: string): Promise<unknown>;
  /** The promotion guard's comparison of a candidate with the serving ranker on its held-out queries, where there is one. */
  compare?(collection: string, version: string): unknown;
}

export interface AdminDeps {
  engine: Engine;
  config: ChorusConfig;
  keys: KeyRing;
  db: ChorusDb;
  models?: ModelAdmin;
  /** Sets (or clears) the version interleaved with the promoted one (the LiveReranker's setChallenger). */
  setChallenger?: (collection: string, version: string | undefined) => Promise<void>;
  /** The server's job queue: counts per state, the jobs list, starting and cancelling jobs. */
  queue?: Pick<JobQueue, 'kind' | 'counts' | 'list' | 'cancel' | 'addMany'>;
  /** Training jobs on that queue (the Models screen's Train); without them training is unavailable. */
  training?: TrainingJobs;
  /** Where `chorus index` writes its JSONL error reports (default `<dataDir>/reports`). */
  reportDir?: string;
  now?: () => number;
}
