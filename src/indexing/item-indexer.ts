import { realpath } from 'node:fs/promises';
import { isEncodeFailure, type Encoder, type EncoderInput } from '../../indexers/encoder.js';
import type { CollectionSchema } from '../domain/collection.js';
import type { Payload } from '../domain/item.js';
import { reservedKeyIn } from '../domain/names.js';
import type { ProvenanceRepo, ProvenanceWrite } from '../storage/index.js';
import type { ItemInput, VectorStore } from '../stores/vector-store.js';
import { contentHash } from './content-hash.js';
import { loadItem, type LoadedItem } from './load-item.js';
import type { SourceItem } from './source-item.js';

/** What the indexer needs of the provenance table (src/storage): the server's own record of where files were. */
export type ProvenanceStore = Pick<ProvenanceRepo, 'rootFor' | 'record' | 'hashes'>;

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
  /** Where each item's files, hash and time are recorded: outside the payload, which clients can write. */
  provenance: ProvenanceStore;
  encoders: Encoder[];
  maxFileBytes?: number;
  /** Called after each upsert, e.g. to update the lexical (BM25) index. */
  afterUpsert?: (collection: string, items: ItemInput[]) => Promise<void>;
}

export interface IndexBatchInput {
  collection: string;
  /** The folder the items' paths are relative to; undefined for items with no files (text from their payload). */
  root: string | undefined;
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
export async function indexBatch(
  deps: ItemIndexerDeps,
  input: IndexBatchInput,
): Promise<BatchResult> {
  const result: BatchResult = { indexed: 0, skipped: 0, failed: [], encoded: 0 };
  const models = modelIdsOf(deps.encoders);
  const loaded: { item: LoadedItem; hash: string }[] = [];
  for (const source of input.items) {
    if (
      input.root === undefined &&
      (source.textPath || source.imagePath || source.audioPath || source.payloadPath)
    ) {
      result.failed.push({
        id: source.id,
        code: 'NO_SOURCE',
        reason: 'the item names files but no root was recorded to read them from',
      });
      continue;
    }
    const r = await loadItem(input.root ?? '', source, { maxFileBytes: deps.maxFileBytes });
    if (!r.ok) {
      result.failed.push({ id: source.id, ...r.problem });
      continue;
    }
    const reserved = reservedKeyIn(r.item.payload);
    if (reserved) {
      result.failed.push({
        id: source.id,
        code: 'RESERVED_KEY',
        reason: `payload key "${reserved}" is reserved for the server`,
        path: source.payloadPath ?? source.origin,
      });
      continue;
    }
    loaded.push({ item: r.item, hash: contentHash({ ...r.item, models }) });
  }
  let todo = loaded;
  if (!input.force && loaded.length > 0) {
    const storedHash = deps.provenance.hashes(
      input.collection,
      loaded.map((l) => l.item.id),
    );
    const candidates = loaded.filter((l) => storedHash.get(l.item.id) === l.hash);
    // The hash is only trusted for items the store still has (a dropped and recreated collection re-indexes).
    const present = new Set(
      candidates.length > 0
        ? (
            await deps.store.get(
              input.collection,
              candidates.map((l) => l.item.id),
            )
          ).map((s) => s.id)
        : [],
    );
    const unchangedIds = new Set(
      candidates.filter((l) => present.has(l.item.id)).map((l) => l.item.id),
    );
    todo = loaded.filter((l) => !unchangedIds.has(l.item.id));
    result.skipped = loaded.length - todo.length;
    if (result.skipped > 0 && deps.afterUpsert) {
      // A crash between the store write and the lexical write would leave a stored item out of BM25 forever,
      // since reruns skip it; re-feeding skipped items (cheap, idempotent) heals that.
      const stored = await deps.store.get(input.collection, [...unchangedIds]);
      await deps.afterUpsert(
        input.collection,
        stored.map((s) => ({ id: s.id, payload: s.payload })),
      );
    }
  }
  if (todo.length === 0) return result;

  const vectors = todo.map(() => ({}) as Record<string, Float32Array>);
  const failedAt = new Map<number, ItemFailure>();
  if (todo.some(({ item }) => item.vectors)) {
    // Precomputed vectors (manifest rows): checked against the collection, stored as given, never re-encoded.
    const schema = await deps.store.openCollection(input.collection);
    todo.forEach(({ item }, k) => {
      const problem = item.vectors && takeVectors(schema, item.vectors, vectors[k]!);
      if (problem)
        failedAt.set(k, {
          id: item.id,
          code: 'BAD_VECTOR',
          reason: problem,
          path: item.source.origin,
        });
    });
  }
  result.encoded = todo.filter(
    ({ item }, k) =>
      !failedAt.has(k) && (!item.vectors || needsEncoder(deps.encoders, item, vectors[k]!)),
  ).length;
  for (const encoder of deps.encoders) {
    const picks: number[] = [];
    const batch: EncoderInput[] = [];
    todo.forEach(({ item }, k) => {
      const value = inputFor(encoder, item);
      if (value === undefined || failedAt.has(k) || vectors[k]![encoder.vectorName]) return;
      picks.push(k);
      batch.push(value);
    });
    if (batch.length === 0) continue;
    const out = await encoder.encode(batch);
    picks.forEach((k, j) => {
      const r = out[j];
      const item = todo[k]!.item;
      if (r === undefined) {
        failedAt.set(k, {
          id: item.id,
          code: 'ENCODER_ERROR',
          reason: `${encoder.modelId} returned no result`,
          path: fileFor(encoder, item),
        });
      } else if (isEncodeFailure(r)) {
        failedAt.set(k, {
          id: item.id,
          code: r.error.code,
          reason: r.error.reason,
          path: fileFor(encoder, item),
        });
      } else {
        vectors[k]![encoder.vectorName] = r;
      }
    });
  }

  const now = Date.now();
  const rows: ItemInput[] = [];
  const provenance: Omit<ProvenanceWrite, 'rootId'>[] = [];
  todo.forEach(({ item, hash }, k) => {
    const failure = failedAt.get(k);
    if (failure) return void result.failed.push(failure);
    // Text alone still makes an item findable through BM25 (e.g. offline, with no text model): store it.
    if (Object.keys(vectors[k]!).length === 0 && !item.text?.trim()) {
      return void result.failed.push({
        id: item.id,
        code: 'NO_ENCODER',
        reason:
          "no enabled encoder reads any of this item's modalities, and it has no text for lexical search",
        path: item.source.imagePath ?? item.source.audioPath ?? item.source.origin,
      });
    }
    rows.push({ id: item.id, payload: storedPayload(item), vectors: vectors[k] });
    const s = item.source;
    provenance.push({
      id: item.id,
      text: s.textPath,
      image: s.imagePath,
      audio: s.audioPath,
      hash,
      indexedAt: now,
    });
  });
  if (rows.length > 0) {
    // The real path: media serving and re-embedding later read only through roots recorded here.
    const root =
      input.root === undefined ? undefined : deps.provenance.rootFor(await realpath(input.root));
    await deps.store.upsert(input.collection, rows);
    if (root)
      deps.provenance.record(
        input.collection,
        provenance.map((p) => ({ ...p, rootId: root.id })),
      );
    await deps.afterUpsert?.(input.collection, rows);
  }
  result.indexed = rows.length;
  return result;
}

/** Validates precomputed vectors against the schema into `into`; returns the problem, if any. */
function takeVectors(
  schema: CollectionSchema,
  given: Record<string, number[]>,
  into: Record<string, Float32Array>,
): string | undefined {
  for (const [name, v] of Object.entries(given)) {
    const spec = schema.vectors[name];
    if (!spec)
      return `collection "${schema.name}" has no vector named "${name}" (it has ${Object.keys(schema.vectors).join(', ')})`;
    if (v.length !== spec.dim)
      return `vector "${name}" has ${v.length} dimensions, the collection expects ${spec.dim}`;
    into[name] = Float32Array.from(v);
  }
  return undefined;
}

function needsEncoder(
  encoders: Encoder[],
  item: LoadedItem,
  given: Record<string, Float32Array>,
): boolean {
  return encoders.some((e) => inputFor(e, item) !== undefined && !given[e.vectorName]);
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

/** The caller's payload plus the item text (for BM25 and display); provenance goes to its own table. */
function storedPayload(item: LoadedItem): Payload {
  const payload: Payload = { ...item.payload };
  if (item.text !== undefined && payload.text === undefined) payload.text = item.text;
  return payload;
}
