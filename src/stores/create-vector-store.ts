import { storeBackend, type ChorusConfig } from '../config.js';
import { ChorusError } from '../errors.js';
import { LanceDbStore, type LanceDbStoreOptions } from './lancedb-store.js';
import type { VectorStore } from './vector-store.js';

/**
 * The VectorStore for a configuration: Qdrant when `store=qdrant` (or QDRANT_URL is set without an explicit store),
 * otherwise the embedded LanceDB under `<dataDir>/lancedb`. The Qdrant client loads only then (about 0.2 s of CPU
 * that every cold CLI command on LanceDB would otherwise pay).
 */
export async function createVectorStore(
  config: ChorusConfig,
  lanceOptions: Omit<LanceDbStoreOptions, 'dataDir'> = {},
): Promise<VectorStore> {
  if (storeBackend(config) === 'qdrant') {
    if (!config.qdrantUrl)
      throw new ChorusError('INVALID_CONFIG', 'store=qdrant needs qdrantUrl (QDRANT_URL)');
    const { QdrantStore } = await import('./qdrant-store.js');
    return new QdrantStore({
      url: config.qdrantUrl,
      apiKey: config.qdrantApiKey,
      timeoutMs: config.limits.requestTimeoutMs,
    });
  }
  const hnsw = config.ann.deterministic
    ? { ...lanceOptions.hnsw, deterministic: true }
    : lanceOptions.hnsw;
  return LanceDbStore.open({ ...lanceOptions, hnsw, dataDir: config.dataDir });
}
