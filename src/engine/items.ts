import { isEncodeFailure, type Encoder } from '../../indexers/encoder.js';
import type { CollectionSchema } from '../domain/collection.js';
import type { Payload } from '../domain/item.js';
import type { Modality } from '../domain/modality.js';
import { ChorusError, ERROR_TABLE, type ErrorCode } from '../errors.js';
import type { Bm25Index } from '../lexical/bm25-index.js';
import { documentText, textFieldsOf } from '../lexical/document-text.js';
import type { ItemInput, VectorStore } from '../stores/vector-store.js';
import { toFloat32 } from './query-encoding.js';

/** An item as callers send it: payload, optional text, optional media bytes, optional precomputed vectors. */
export interface ItemWrite {
  id: string;
  payload?: Payload;
  /** Text to embed (and to index for BM25 as payload.text when the payload has none). */
  text?: string;
  image?: Uint8Array;
  audio?: Uint8Array;
  vectors?: Record<string, ArrayLike<number>>;
}

export interface ItemDeps {
  store: VectorStore;
  bm25: Bm25Index;
  encoders: () => readonly Encoder[];
}

/**
 * Encodes what the caller did not precompute (text -> every text tower the collection stores; image/audio ->
 * their towers), validates vectors against the schema, upserts, then updates the BM25 index.
 * All-or-nothing: an item that cannot be encoded fails the request, naming the item.
 */
export async function upsertItems(deps: ItemDeps, schema: CollectionSchema, writes: ItemWrite[]): Promise<{ upserted: number }> {
  const inputs: ItemInput[] = [];
  for (const w of writes) {
    const vectors: Record<string, Float32Array> = {};
    for (const [name, v] of Object.entries(w.vectors ?? {})) {
      const spec = schema.vectors[name];
      if (!spec) throw new ChorusError('VALIDATION', `item "${w.id}": collection "${schema.name}" has no vector named "${name}"`, { id: w.id, vector: name });
      try {
        vectors[name] = toFloat32(name, v, spec.dim);
      } catch (e) {
        if (e instanceof ChorusError) throw new ChorusError(e.code, `item "${w.id}": ${e.message}`, { id: w.id, ...(e.details as object) });
        throw e;
      }
    }
    const media: [Modality, string | Uint8Array | undefined][] = [
      ['text', w.text?.trim() ? w.text : undefined],
      ['image', w.image],
      ['audio', w.audio],
    ];
    for (const [modality, input] of media) {
      if (input === undefined) continue;
      const encoders = deps.encoders().filter((e) => e.modality === modality && schema.vectors[e.vectorName]?.dim === e.dim && !vectors[e.vectorName]);
      for (const enc of encoders) {
        const [r] = await enc.encode([input]);
        if (!r || isEncodeFailure(r)) {
          const reason = r && isEncodeFailure(r) ? r.error.reason : 'no output';
          // Keep the decoder's own code (e.g. PAYLOAD_TOO_LARGE for a pixel bomb or a 2-hour clip -> 413).
          const failed = r && isEncodeFailure(r) ? r.error.code : undefined;
          const code: ErrorCode = failed && failed in ERROR_TABLE ? (failed as ErrorCode) : 'MEDIA_DECODE';
          throw new ChorusError(code, `item "${w.id}": ${modality} could not be encoded: ${reason}`, { id: w.id, modality, reason });
        }
        vectors[enc.vectorName] = r;
      }
    }
    const payload: Payload = { ...(w.payload ?? {}) };
    if (w.text && payload.text === undefined) payload.text = w.text;
    inputs.push({ id: w.id, payload, vectors });
  }
  const result = await deps.store.upsert(schema.name, inputs);
  indexLexical(deps.bm25, schema, inputs);
  return result;
}

/** Keeps BM25 in step with the store (also the afterUpsert hook of the bulk indexer). */
export function indexLexical(bm25: Bm25Index, schema: Pick<CollectionSchema, 'name' | 'payloadIndexes'>, items: ItemInput[]): void {
  const fields = textFieldsOf(schema);
  bm25.upsert(schema.name, items.map((i) => ({ id: i.id, text: documentText(i.payload ?? {}, fields) })));
}

export async function deleteItems(deps: ItemDeps, collection: string, ids: string[]): Promise<{ deleted: number }> {
  const r = await deps.store.delete(collection, ids);
  deps.bm25.delete(collection, ids);
  return r;
}
