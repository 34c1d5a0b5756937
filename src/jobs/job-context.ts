import type { Encoder } from '../../indexers/encoder.js';
import type { ProvenanceRepo } from '../storage/index.js';
import type { ItemInput, VectorStore } from '../stores/vector-store.js';
import type { ModelTrainer } from './definitions/train-model.js';

/** What job processors run against; built once per process that hosts a worker. */
export interface JobContext {
  store: VectorStore;
  /** The server's record of where indexed items' files are (never the client-writable payload). */
  provenance: ProvenanceRepo;
  encoders: Encoder[];
  maxFileBytes?: number;
  /** Keeps the lexical (BM25) index in step with upserts, when the engine has one. */
  afterUpsert?: (collection: string, items: ItemInput[]) => Promise<void>;
  /** The collaborative-filtering refresh, when the engine provides it. */
  cfRefresh?: (collection: string) => Promise<unknown>;
  /** Rewrites a collection's BM25 documents from the store, where this process serves that index. */
  rebuildLexical?: (
    collection: string,
    o: { progress?: (fraction: number) => void; signal?: AbortSignal },
  ) => Promise<{ documents: number; removed: number }>;
  /** Fits and registers a model (train-model jobs), where this process holds the model registry. */
  trainer?: ModelTrainer;
}
