import { isEncodeFailure, type Encoder, type EncoderInput } from '../../indexers/encoder.js';
import type { Payload } from '../domain/item.js';
import type { ItemInput, VectorStore } from '../stores/vector-store.js';
import { contentHash } from './content-hash.js';
import { absoluteRoot, loadItem, type LoadedItem } from './load-item.js';
import type { SourceItem } from './source-item.js';

/** Payload keys Chorus writes beside the caller's fields. */
export const HASH_KEY = '_hash';
export const INDEXED_AT_KEY = '_indexedAt';
export const SOURCE_KEY = '_source';

export interface ItemFailure {
  id: string;
  /** The file (relative to the input root) or manifest row to blame. */
  path?: string;
  code: string;
  reason: string;
}

export interface BatchResult {
  indexed: number;
  skipped: number;
  failed: ItemFailure[];
  /** Items that went through the encoders (indexed or failed while encoding); skipped ones never do. */
  encoded: number;
}

export interface ItemIndexerDeps {
  store: VectorStore;
  encoders: Encoder[];
  maxFileBytes?: number;
  /** Called after each upsert, e.g. to update the lexical (BM25) index. */
  afterUpsert?: (collection: string, items: ItemInput[]) => Promise<void>;
}

export interface IndexBatchInput {
  collection: string;
  root: string;
  items: SourceItem[];
  /** Re-embed even when the stored hash matches (e.g. a re-embed job). */
  force?: boolean;
}

/** Model id per vector name of the encoders: part of every content hash. */
export function modelIdsOf(encoders: Encoder[]): Record<string, string> {
  return Object.fromEntries(encoders.map((e) => [e.vectorName, e.modelId]));
}

/**
 * Turns one batch of discovered items into stored items: read files, hash, skip what is already stored
 * with the same hash, encode the rest per modality, upsert. Bad input fails only its own item.
 * Idempotent: running the same batch twice stores the same items once and encodes nothing the second time.
 */
export async function indexBatch(deps: ItemIndexerDeps, input: IndexBatchInput): Promise<BatchResult> {
  const result: BatchResult = { indexed: 0, skipped: 0, failed: [], encoded: 0 };
  const models = modelIdsOf(deps.encoders);
  const loaded: { item: LoadedItem; hash: string }[] = [];
  for (const source of input.items) {
    const r = await loadItem(input.root, source, { maxFileBytes: deps.maxFileBytes });
    if (!r.ok) {
      result.failed.push({ id: source.id, ...r.problem });
      continue;
    }
    loaded.push({ item: r.item, hash: contentHash({ ...r.item, models }) });
  }
  let todo = loaded;
  if (!input.force && loaded.length > 0) {
    const stored = await deps.store.get(input.collection, loaded.map((l) => l.item.id));
    const storedHash = new Map(stored.map((s) => [s.id, s.payload[HASH_KEY]]));
    todo = loaded.filter((l) => storedHash.get(l.item.id) !== l.hash);
    result.skipped = loaded.length - todo.length;
    if (result.skipped > 0 && deps.afterUpsert) {
      // A crash between the store write and the lexical write would leave a stored item out of BM25 forever,
      // since reruns skip it; re-feeding skipped items (cheap, idempotent) heals that.
      const unchanged = new Set(loaded.filter((l) => storedHash.get(l.item.id) === l.hash).map((l) => l.item.id));
      await deps.afterUpsert(input.collection, stored.filter((s) => unchanged.has(s.id)).map((s) => ({ id: s.id, payload: s.payload })));
    }
  }
  if (todo.length === 0) return result;

  result.encoded = todo.length;
  const vectors = todo.map(() => ({}) as Record<string, Float32Array>);
  const failedAt = new Map<number, ItemFailure>();
  for (const encoder of deps.encoders) {
    const picks: number[] = [];
    const batch: EncoderInput[] = [];
    todo.forEach(({ item }, k) => {
      const value = inputFor(encoder, item);
      if (value === undefined || failedAt.has(k)) return;
      picks.push(k);
      batch.push(value);
    });
    if (batch.length === 0) continue;
    const out = await encoder.encode(batch);
    picks.forEach((k, j) => {
      const r = out[j];
      const item = todo[k]!.item;
      if (r === undefined) {
        failedAt.set(k, { id: item.id, code: 'ENCODER_ERROR', reason: `${encoder.modelId} returned no result`, path: fileFor(encoder, item) });
      } else if (isEncodeFailure(r)) {
        failedAt.set(k, { id: item.id, code: r.error.code, reason: r.error.reason, path: fileFor(encoder, item) });
      } else {
        vectors[k]![encoder.vectorName] = r;
      }
    });
  }

  const now = Date.now();
  const rows: ItemInput[] = [];
  todo.forEach(({ item, hash }, k) => {
    const failure = failedAt.get(k);
    if (failure) return void result.failed.push(failure);
    // Text alone still makes an item findable through BM25 (e.g. offline, with no text model): store it.
    if (Object.keys(vectors[k]!).length === 0 && !item.text?.trim()) {
      return void result.failed.push({
        id: item.id,
        code: 'NO_ENCODER',
        reason: 'no enabled encoder reads any of this item\'s modalities, and it has no text for lexical search',
        path: item.source.imagePath ?? item.source.audioPath ?? item.source.origin,
      });
    }
    rows.push({ id: item.id, payload: storedPayload(item, input.root, hash, now), vectors: vectors[k] });
  });
  if (rows.length > 0) {
    await deps.store.upsert(input.collection, rows);
    await deps.afterUpsert?.(input.collection, rows);
  }
  result.indexed = rows.length;
  return result;
}

function inputFor(encoder: Encoder, item: LoadedItem): EncoderInput | undefined {
  if (encoder.modality === 'text') return item.text;
  if (encoder.modality === 'image') return item.image;
  return item.audio;
}

function fileFor(encoder: Encoder, item: LoadedItem): string | undefined {
  const s = item.source;
  if (encoder.modality === 'image') return s.imagePath;
  if (encoder.modality === 'audio') return s.audioPath;
  return s.textPath ?? s.origin;
}

/** The caller's payload plus the item text (for BM25 and display), its hash, time and where its files live. */
function storedPayload(item: LoadedItem, root: string, hash: string, now: number): Payload {
  const s = item.source;
  const source: Payload = { root: absoluteRoot(root) };
  if (s.textPath) source.text = s.textPath;
  if (s.imagePath) source.image = s.imagePath;
  if (s.audioPath) source.audio = s.audioPath;
  const payload: Payload = { ...item.payload };
  if (item.text !== undefined && payload.text === undefined) payload.text = item.text;
  payload[HASH_KEY] = hash;
  payload[INDEXED_AT_KEY] = now;
  payload[SOURCE_KEY] = source;
  return payload;
}
