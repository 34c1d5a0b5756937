import path from 'node:path';
import type { Encoder } from '../../indexers/encoder.js';
import type { ChorusConfig } from '../config.js';
import type { CollectionSchema } from '../domain/collection.js';
import { indexLexical, type LexicalWeights } from '../engine/items.js';
import { rebuildLexical } from '../engine/lexical-rebuild.js';
import type { CheckpointStore } from '../jobs/checkpoint-store.js';
import { createJobQueue } from '../jobs/create-queue.js';
import type { JobContext } from '../jobs/job-context.js';
import type { JobQueue } from '../jobs/queue.js';
import { SqliteCheckpointStore } from '../jobs/sqlite-checkpoint-store.js';
import { openChorusDb, type ChorusDb } from '../storage/index.js';
import { kvLexicalWeights } from '../storage/lexical-settings-repo.js';
import type { Bm25Index } from '../lexical/bm25-index.js';
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
  /** The lexical (BM25) index kept in step with every upsert, when there is one. */
  openLexical?: (config: ChorusConfig) => Bm25Index;
  /** Redis key prefix for BullMQ (tests isolate themselves with it). */
  queuePrefix?: string;
}

export async function openIndexRuntime(
  config: ChorusConfig,
  f: RuntimeFactories,
): Promise<IndexRuntime> {
  const db = openChorusDb(config.dataDir);
  const checkpoints: CheckpointStore = new SqliteCheckpointStore(db);
  let store: VectorStore | undefined;
  let bm25: Bm25Index | undefined;
  try {
    store = await f.openStore(config);
    const encoders = await f.loadEncoders(config);
    bm25 = f.openLexical?.(config);
    const context: JobContext = {
      store,
      provenance: db.provenance,
      encoders,
      maxFileBytes: config.limits.maxUploadBytes,
      afterUpsert: bm25 && lexicalHook(store, bm25, kvLexicalWeights(db.kv)),
      // On Redis this worker shares the server's queue: it can run a rebuild the server queued as well.
      rebuildLexical:
        bm25 &&
        (async (collection, o) =>
          rebuildLexical(
            { store: store!, bm25: bm25!, lexicalWeights: kvLexicalWeights(db.kv) },
            await store!.openCollection(collection),
            o,
          )),
    };
    // On Redis the CLI shares the server's queue (its workers help); in process it keeps its own namespace so a
    // server opened on the same data dir does not pick up the CLI's batches while the CLI is running them.
    const name = config.redisUrl ? undefined : 'chorus-index';
    const queue: JobQueue = await createJobQueue(config, {
      context: () => context,
      checkpoints,
      prefix: f.queuePrefix,
      name,
    });
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
        await bm25?.close();
        db.close();
      },
    };
  } catch (e) {
    await store?.close();
    await bm25?.close();
    db.close();
    throw e;
  }
}

/** BM25 follows the store: each upserted batch is analysed with its collection's text fields. */
export function lexicalHook(
  store: VectorStore,
  bm25: Bm25Index,
  weights?: LexicalWeights,
): NonNullable<JobContext['afterUpsert']> {
  const schemas = new Map<string, CollectionSchema>();
  return async (collection, items) => {
    let schema = schemas.get(collection);
    if (!schema) schemas.set(collection, (schema = await store.openCollection(collection)));
    await indexLexical(bm25, schema, items, weights?.(collection));
  };
}
