import { isEncodeFailure, type Encoder } from '../../indexers/encoder.js';
import type { CollectionSchema } from '../domain/collection.js';
import type { Payload } from '../domain/item.js';
import type { Modality } from '../domain/modality.js';
import { ChorusError, ERROR_TABLE, type ErrorCode } from '../errors.js';
import type { LexicalIndex } from '../domain/lexical.js';
import { documentText, textFieldsOf } from '../domain/document-text.js';
import type { ItemInput, VectorStore } from '../stores/vector-store.js';
import { toFloat32 } from './query-encoding.js';
import type { WriteJournal } from './write-journal.js';

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
  bm25: LexicalIndex;
  encoders: () => readonly Encoder[];
  /** Records writes between the store commit and the BM25 update, so a crash there is repaired on restart. */
  journal?: WriteJournal;
  /** The collection's BM25 field weights (absent: every field weighs 1). */
  lexicalWeights?: LexicalWeights;
}

/** A collection's BM25 field weights, read at each write (a change applies to the documents written after it). */
export type LexicalWeights = (collection: string) => Readonly<Record<string, number>> | undefined;

/** How far a write got, for a caller that must answer before it settles (the request timeout's 504). */
export interface WriteProgress {
  /**
   * pending: nothing written (queued writes included); storing: the store has started the commit; applied: durable
   * and indexed; failed: not applied.
   */
  stage: 'pending' | 'storing' | 'applied' | 'failed';
  /** Settles with the store write (set while storing). */
  settled?: Promise<unknown>;
}

export interface ItemWriteOptions {
  /** Aborted when the caller gave up: work not yet committed stops; a commit under way finishes. */
  signal?: AbortSignal;
  progress?: WriteProgress;
}

/**
 * Encodes what the caller did not precompute (text -> every text tower the collection stores; image/audio ->
 * their towers), validates vectors against the schema, upserts, then updates the BM25 index.
 * All-or-nothing: an item that cannot be encoded fails the request, naming the item.
 */
export async function upsertItems(
  deps: ItemDeps,
  schema: CollectionSchema,
  writes: ItemWrite[],
  opts: ItemWriteOptions = {},
): Promise<{ upserted: number }> {
  const inputs: ItemInput[] = [];
  for (const w of writes) inputs.push(await prepareItem(deps, schema, w, opts.signal));
  return commitItems(deps, schema, inputs, opts);
}

/** One item ready for the store: vectors checked against the schema, missing ones encoded. Throws a ChorusError naming the item. */
export async function prepareItem(
  deps: Pick<ItemDeps, 'encoders'>,
  schema: CollectionSchema,
  w: ItemWrite,
  signal?: AbortSignal,
): Promise<ItemInput> {
  signal?.throwIfAborted();
  const vectors: Record<string, Float32Array> = {};
  for (const [name, v] of Object.entries(w.vectors ?? {})) {
    const spec = schema.vectors[name];
    if (!spec)
      throw new ChorusError(
        'VALIDATION',
        `item "${w.id}": collection "${schema.name}" has no vector named "${name}"`,
        { id: w.id, vector: name },
      );
    try {
      vectors[name] = ownVector(v, spec.dim) ?? toFloat32(name, v, spec.dim);
    } catch (e) {
      if (e instanceof ChorusError)
        throw new ChorusError(e.code, `item "${w.id}": ${e.message}`, {
          id: w.id,
          ...(e.details as object),
        });
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
    const encoders = deps
      .encoders()
      .filter(
        (e) =>
          e.modality === modality &&
          schema.vectors[e.vectorName]?.dim === e.dim &&
          !vectors[e.vectorName],
      );
    for (const enc of encoders) {
      signal?.throwIfAborted(); // encoding is the expensive part: stop between models once the caller is gone
      const [r] = await enc.encode([input]);
      if (!r || isEncodeFailure(r)) {
        const reason = r && isEncodeFailure(r) ? r.error.reason : 'no output';
        // Keep the decoder's own code (e.g. PAYLOAD_TOO_LARGE for a pixel bomb or a 2-hour clip -> 413).
        const failed = r && isEncodeFailure(r) ? r.error.code : undefined;
        const code: ErrorCode =
          failed && failed in ERROR_TABLE ? (failed as ErrorCode) : 'MEDIA_DECODE';
        throw new ChorusError(code, `item "${w.id}": ${modality} could not be encoded: ${reason}`, {
          id: w.id,
          modality,
          reason,
        });
      }
      vectors[enc.vectorName] = r;
    }
  }
  const payload: Payload = { ...(w.payload ?? {}) };
  if (w.text && payload.text === undefined) payload.text = w.text;
  return { id: w.id, payload, vectors };
}

/**
 * A Float32Array of the right length with finite values is used as it is (the body parser thread made it for this
 * request alone): copying 1,408 floats per item into fresh memory cost ~2% of the event loop in bulk loads.
 */
function ownVector(v: ArrayLike<number>, dim: number): Float32Array | undefined {
  if (!(v instanceof Float32Array) || v.length !== dim) return undefined;
  for (let i = 0; i < dim; i++) if (!Number.isFinite(v[i]!)) return undefined;
  return v;
}

/**
 * Writes prepared items to the store, then to BM25. The signal is honoured up to the store commit; once the
 * commit succeeded the lexical update runs even for a caller that gave up, so store and index agree and a
 * retry of the same items is a no-op in effect (upsert by id).
 */
export async function commitItems(
  deps: ItemDeps,
  schema: CollectionSchema,
  inputs: ItemInput[],
  opts: ItemWriteOptions = {},
): Promise<{ upserted: number }> {
  const { progress } = opts;
  opts.signal?.throwIfAborted();
  const token = deps.journal?.begin(
    schema.name,
    inputs.map((i) => i.id),
  );
  const write = deps.store.upsert(schema.name, inputs, {
    signal: opts.signal,
    onCommit: () => progress && (progress.stage = 'storing'),
  });
  const applied = (async () => {
    let result: { upserted: number };
    try {
      result = await write;
    } catch (e) {
      if (progress) progress.stage = 'failed';
      if (token) deps.journal!.end(token); // a commit is all or nothing: nothing to repair
      throw e;
    }
    await indexLexical(deps.bm25, schema, inputs, deps.lexicalWeights?.(schema.name));
    if (token) deps.journal!.end(token);
    if (progress) progress.stage = 'applied';
    return result;
  })();
  // Settles once the write is in the store AND the lexical index (or failed): a timeout's grace waits for that.
  if (progress) progress.settled = applied.catch(() => undefined);
  return applied;
}

/** Keeps BM25 in step with the store (also the afterUpsert hook of the bulk indexer); resolves once committed. */
export function indexLexical(
  bm25: LexicalIndex,
  schema: Pick<CollectionSchema, 'name' | 'payloadIndexes'>,
  items: readonly Pick<ItemInput, 'id' | 'payload'>[],
  weights?: Readonly<Record<string, number>>,
): Promise<void> {
  const fields = textFieldsOf(schema);
  return bm25.upsert(
    schema.name,
    items.map((i) => ({ id: i.id, text: documentText(i.payload ?? {}, fields, weights) })),
  );
}

export async function deleteItems(
  deps: ItemDeps,
  collection: string,
  ids: string[],
  opts: ItemWriteOptions = {},
): Promise<{ deleted: number }> {
  const { progress } = opts;
  opts.signal?.throwIfAborted();
  const token = deps.journal?.begin(collection, ids);
  let started = false;
  const onCommit = () => {
    started = true;
    if (progress) progress.stage = 'storing';
  };
  const write = deps.store.delete(collection, ids, { signal: opts.signal, onCommit });
  const applied = (async () => {
    let r: { deleted: number };
    try {
      r = await write;
    } catch (e) {
      if (progress) progress.stage = 'failed';
      // A multi-chunk delete may have removed some ids: leave the entry for recovery unless nothing ran.
      if (token && !started) deps.journal!.end(token);
      throw e;
    }
    await deps.bm25.delete(collection, ids);
    if (token) deps.journal!.end(token);
    if (progress) progress.stage = 'applied';
    return r;
  })();
  if (progress) progress.settled = applied.catch(() => undefined);
  return applied;
}
