import type { CollectionSchema } from '../domain/collection.js';
import type { LexicalIndex } from '../domain/lexical.js';
import { itemBatches, rebatch } from '../stores/item-batches.js';
import type { VectorStore } from '../stores/vector-store.js';
import { indexLexical, type LexicalWeights } from './items.js';

/** Ids checked against the store per read when looking for orphaned BM25 documents. */
const ORPHAN_CHECK_BATCH = 1000;

/**
 * Rewrites a collection's BM25 documents from the store (the source of truth) with its current field weights, in
 * one pass: after a weight change, or to repair a lexical index that was lost or that outlived deletes (a crash
 * between the store's delete and the index's). Searches keep answering meanwhile (from documents old and new until
 * it ends). Safe to run again: each document is rewritten whole.
 */
export async function rebuildLexical(
  deps: { store: VectorStore; bm25: LexicalIndex; lexicalWeights?: LexicalWeights },
  schema: Pick<CollectionSchema, 'name' | 'payloadIndexes'>,
  o: { signal?: AbortSignal; progress?: (fraction: number) => void; batchSize?: number } = {},
): Promise<{ documents: number; removed: number }> {
  const total = await deps.store.count(schema.name);
  const weights = deps.lexicalWeights?.(schema.name);
  const seen = new Set<string>();
  let documents = 0;
  for await (const batch of rebatch(
    itemBatches(deps.store, schema.name, { signal: o.signal }),
    o.batchSize ?? 1000,
  )) {
    o.signal?.throwIfAborted();
    await indexLexical(deps.bm25, schema, batch, weights);
    for (const item of batch) seen.add(item.id);
    documents += batch.length;
    o.progress?.(total > 0 ? Math.min(1, documents / total) : 1);
  }
  const removed = await removeOrphans(deps, schema.name, seen, o.signal);
  return { documents, removed };
}

/**
 * Deletes the BM25 documents of items the store does not have. An id the pass did not see is checked against the
 * store before it goes: an item written while the pass ran is indexed and must stay.
 */
async function removeOrphans(
  deps: { store: VectorStore; bm25: LexicalIndex },
  collection: string,
  seen: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<number> {
  const unseen = deps.bm25.documentIds(collection).filter((id) => !seen.has(id));
  let removed = 0;
  for (let i = 0; i < unseen.length; i += ORPHAN_CHECK_BATCH) {
    signal?.throwIfAborted();
    const ids = unseen.slice(i, i + ORPHAN_CHECK_BATCH);
    const present = new Set(
      (await deps.store.get(collection, ids, { signal })).map((item) => item.id),
    );
    const orphans = ids.filter((id) => !present.has(id));
    if (orphans.length > 0) await deps.bm25.delete(collection, orphans);
    removed += orphans.length;
  }
  return removed;
}
