import type { CollectionSchema } from '../domain/collection.js';
import type { LexicalIndex } from '../domain/lexical.js';
import { itemBatches, rebatch } from '../stores/item-batches.js';
import type { VectorStore } from '../stores/vector-store.js';
import { indexLexical, type LexicalWeights } from './items.js';

/**
 * Rewrites a collection's BM25 documents from the store (the source of truth) with its current field weights, in
 * one pass: after a weight change, or to repair a lexical index that was lost. Searches keep answering meanwhile
 * (from documents old and new until it ends). Safe to run again: each document is rewritten whole.
 */
export async function rebuildLexical(
  deps: { store: VectorStore; bm25: LexicalIndex; lexicalWeights?: LexicalWeights },
  schema: Pick<CollectionSchema, 'name' | 'payloadIndexes'>,
  o: { signal?: AbortSignal; progress?: (fraction: number) => void; batchSize?: number } = {},
): Promise<{ documents: number }> {
  const total = await deps.store.count(schema.name);
  const weights = deps.lexicalWeights?.(schema.name);
  let documents = 0;
  for await (const batch of rebatch(
    itemBatches(deps.store, schema.name, { signal: o.signal }),
    o.batchSize ?? 1000,
  )) {
    o.signal?.throwIfAborted();
    await indexLexical(deps.bm25, schema, batch, weights);
    documents += batch.length;
    o.progress?.(total > 0 ? Math.min(1, documents / total) : 1);
  }
  return { documents };
}
