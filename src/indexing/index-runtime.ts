import path from 'node:path';
import type { Encoder } from '../../indexers/encoder.js';
import type { ChorusConfig } from '../config.js';
import type { CheckpointStore } from '../jobs/checkpoint-store.js';
import { createJobQueue } from '../jobs/create-queue.js';
import type { JobContext } from '../jobs/job-context.js';
import type { JobQueue } from '../jobs/queue.js';
import { SqliteCheckpointStore } from '../jobs/sqlite-checkpoint-store.js';
import { openChorusDb, type ChorusDb } from '../storage/index.js';
import type { VectorStore } from '../stores/vector-store.js';
import type { IndexRunDeps } from './index-run.js';

/** Everything an indexing run needs, opened from config; `close()` releases it in reverse order. */
export interface IndexRuntime extends IndexRunDeps {
  context: JobContext;
  db: ChorusDb;
  close(): Promise<void>;
}

export interface RuntimeFactories {
  openStore: (config: ChorusConfig) => Promise<VectorStore>;
  loadEncoders: (config: ChorusConfig) => Promise<Encoder[]>;
  /** Keeps the lexical index in step (optional until the engine provides it). */
  afterUpsert?: JobContext['afterUpsert'];
  /** Redis key prefix for BullMQ (tests isolate themselves with it). */
  queuePrefix?: string;
}

export async function openIndexRuntime(config: ChorusConfig, f: RuntimeFactories): Promise<IndexRuntime> {
  const db = openChorusDb(config.dataDir);
  const checkpoints: CheckpointStore = new SqliteCheckpointStore(db);
  let store: VectorStore | undefined;
  try {
    store = await f.openStore(config);
    const encoders = await f.loadEncoders(config);
    const context: JobContext = { store, encoders, maxFileBytes: config.limits.maxUploadBytes, afterUpsert: f.afterUpsert };
    const queue: JobQueue = createJobQueue(config, { context: () => context, checkpoints, prefix: f.queuePrefix });
    return {
      store,
      encoders,
      queue,
      checkpoints,
      context,
      db,
      reportDir: path.join(config.dataDir, 'reports'),
      async close() {
        await queue.close();
        for (const e of encoders) await e.close?.();
        await store!.close();
        db.close();
      },
    };
  } catch (e) {
    await store?.close();
    db.close();
    throw e;
  }
}
