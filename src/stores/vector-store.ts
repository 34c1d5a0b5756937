import type { CollectionSchema, CollectionSchemaInput } from '../domain/collection.js';
import type { Filter } from '../domain/filter.js';
import type { Item, ItemId, Payload, VectorHit } from '../domain/item.js';

/** An item as written: any subset of the collection's named vectors (an item may lack any modality). */
export interface ItemInput {
  id: ItemId;
  payload?: Payload;
  vectors?: Record<string, Float32Array | number[]>;
}

export interface ScrollPage {
  items: Item[];
  /** Opaque cursor for the next page; undefined when done. */
  next?: string;
}

export interface SearchOptions {
  filter?: Filter;
  /** Return stored vectors with hits (costs bandwidth). */
  withVectors?: boolean;
  /** Aborted when the request that asked has timed out or gone away: the store stops between its stages. */
  signal?: AbortSignal;
  /**
   * Told how the search ran: 'graph' (ANN index), 'exact' (exact scan of a filter's small matching subset) or
   * 'graph>exact' (a broad filter's graph search that fell back to exact). Backends that plan internally
   * (Qdrant) do not call it.
   */
  onPlan?: (plan: string) => void;
}

/**
 * Options of a write. A write whose signal is aborted before it commits is not applied (it rejects with the
 * signal's reason); once the commit has started it finishes, so an aborted caller knows "applied or not" only
 * from the outcome.
 */
export interface WriteOptions {
  signal?: AbortSignal;
  /** Called when the commit starts (after any queueing); from then on the write is applied or fails as a unit. */
  onCommit?: () => void;
}

/**
 * The VectorStore port. Backends: LanceDB (embedded default) and Qdrant (scale-out).
 * Both pass the same contract suite (test/stores/contract.test.ts).
 */
export interface VectorStore {
  readonly backend: 'lancedb' | 'qdrant';
  createCollection(schema: CollectionSchemaInput): Promise<CollectionSchema>;
  /** Opens an existing collection; if `expected` is given, a dimension/distance/model mismatch is a SCHEMA_MISMATCH error. */
  openCollection(name: string, expected?: CollectionSchemaInput): Promise<CollectionSchema>;
  listCollections(): Promise<CollectionSchema[]>;
  dropCollection(name: string): Promise<void>;
  /** Batch upsert, idempotent by id; all-or-nothing validation (NaN/Infinity/dim errors name the offending id). */
  upsert(
    collection: string,
    items: ItemInput[],
    opts?: WriteOptions,
  ): Promise<{ upserted: number }>;
  get(
    collection: string,
    ids: ItemId[],
    opts?: { withVectors?: boolean; signal?: AbortSignal },
  ): Promise<Item[]>;
  delete(collection: string, ids: ItemId[], opts?: WriteOptions): Promise<{ deleted: number }>;
  count(collection: string, filter?: Filter): Promise<number>;
  scroll(
    collection: string,
    opts?: { limit?: number; cursor?: string; filter?: Filter; withVectors?: boolean },
  ): Promise<ScrollPage>;
  /**
   * Optional: one unordered pass over the items a filter selects, in batches (counting, exporting). Where a backend
   * has none, callers page through `scroll`.
   */
  scan?(
    collection: string,
    opts?: { filter?: Filter; withVectors?: boolean; signal?: AbortSignal },
  ): AsyncIterable<Item[]>;
  search(
    collection: string,
    vectorName: string,
    vector: Float32Array | number[],
    k: number,
    opts?: SearchOptions,
  ): Promise<VectorHit[]>;
  /**
   * Optional: the ids a filter selects when the backend can tell cheaply and they are at most `max` (a selective
   * filter pushed into a list that cannot filter itself, as BM25); undefined otherwise (the caller checks payloads).
   */
  matchingIds?(collection: string, filter: Filter, max: number): Promise<Set<string> | undefined>;
  close(): Promise<void>;
}
