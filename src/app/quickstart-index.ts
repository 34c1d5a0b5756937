import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EncoderRegistry } from '../../indexers/registry.js';
import type { ChorusConfig } from '../config.js';
import { ChorusError } from '../errors.js';
import { schemaFor } from '../indexing/ensure-collection.js';
import { indexDirectory, type IndexSummary } from '../indexing/index-run.js';
import { openIndexRuntime } from '../indexing/index-runtime.js';
import type { ProgressState } from '../indexing/progress.js';
import { Bm25Index, DEFAULT_BM25, LEXICAL_FILE } from '../lexical/bm25-index.js';
import { createVectorStore } from '../stores/create-vector-store.js';

export const QUICKSTART_COLLECTION = 'quickstart';
/** Factors of the collaborative-filtering vector the quickstart collection declares. */
export const QUICKSTART_CF_DIM = 32;

/** The bundled corpus, found from this file (not the working directory), so `npx chorus quickstart` works anywhere. */
export const BUNDLED_CORPUS = fileURLToPath(new URL('../../fixtures/corpus', import.meta.url));

/**
 * The indexing half of `chorus quickstart`: creates the collection from the available encoders (plus a `cf`
 * vector for collaborative filtering), then indexes the corpus through the bulk indexer with BM25 kept in step.
 * Rerunnable: unchanged items are skipped by content hash.
 */
export async function indexQuickstart(
  config: ChorusConfig,
  registry: EncoderRegistry,
  opts: { corpus?: string; collection?: string; onProgress?: (s: ProgressState) => void } = {},
): Promise<IndexSummary> {
  const corpus = opts.corpus ?? BUNDLED_CORPUS;
  const collection = opts.collection ?? QUICKSTART_COLLECTION;
  if (!existsSync(corpus))
    throw new ChorusError('NOT_FOUND', `the quickstart corpus is missing: ${corpus}`);
  const store = await createVectorStore(config, { indexMaintenance: 'inline' });
  const bm25 = new Bm25Index(path.join(config.dataDir, LEXICAL_FILE), {
    ...DEFAULT_BM25,
    typoTolerance: config.search.typoTolerance,
  });
  try {
    if (!(await store.listCollections()).some((c) => c.name === collection)) {
      const schema = schemaFor(collection, registry.available);
      schema.vectors.cf = { modality: 'cf', dim: QUICKSTART_CF_DIM, distance: 'cosine' };
      schema.payloadIndexes = { category: 'keyword', tags: 'keyword' };
      await store.createCollection(schema);
    }
    const runtime = await openIndexRuntime(config, {
      openStore: async () => store,
      loadEncoders: async () => registry.available,
      openLexical: () => bm25,
    });
    try {
      return await indexDirectory(runtime, {
        input: corpus,
        collection,
        onProgress: opts.onProgress,
      });
    } finally {
      // Not runtime.close(): the encoders belong to the caller's registry and are reused for serving.
      await runtime.queue.close();
      runtime.db.close();
    }
  } finally {
    await bm25.close();
    await store.close();
  }
}
