import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import * as lancedb from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';
import type { CollectionSchema, CollectionSchemaInput } from '../domain/collection.js';
import type { Filter } from '../domain/filter.js';
import type { Item, ItemId, Payload, VectorHit } from '../domain/item.js';
import { COLLECTION_NAME_PATTERN } from '../domain/names.js';
import { ChorusError } from '../errors.js';
import { PayloadCache } from './ann/payload-cache.js';
import { SearchPool } from './ann/search-pool.js';
import { HNSW_PARAMS, type HnswParams } from './ann/vector-index.js';
import { Limiter } from './concurrency.js';
import { compileFilter } from '../domain/filter-predicate.js';
import { toLanceWhere, sqlString } from './filter-lancedb.js';
import { checkK, checkVector, validateBatch } from './item-validation.js';
import { AnnSync } from './lancedb/ann-sync.js';
import {
  arrowSchemaFor,
  collectionSchemaFromArrow,
  ID_COLUMN,
  PAYLOAD_COLUMN,
  vectorColumn,
} from './lancedb/columns.js';
import {
  applyMaintenance,
  hasWork,
  ID_INDEX_THRESHOLD,
  planMaintenance,
} from './lancedb/table-maintenance.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { rowToItem, selectColumns, type LanceRow } from './lancedb/rows.js';
import { commitRows, takeGroup, type QueuedUpsert } from './lancedb/group-commit.js';
import {
  FILTER_PLAN,
  matchInMemory,
  plannedSearch,
  type FilterPlanOptions,
} from './lancedb/search-plan.js';
import { assertSchemaCompatible, parseCollectionSchema } from './schema-compat.js';
import { lanceDistanceToScore } from './scores.js';
import type {
  ItemInput,
  ScrollPage,
  SearchOptions,
  VectorStore,
  WriteOptions,
} from './vector-store.js';

// Index statistics would otherwise log a deprecation warning about centroids on every call.
process.env.LANCE_INCLUDE_VECTOR_CENTROIDS ??= 'false';

export interface LanceDbStoreOptions {
  /** Chorus data directory; tables live under `<dataDir>/lancedb`, their ANN indexes in `<name>.ann` beside them. */
  dataDir: string;
  /**
   * 'background' (default): table maintenance (compaction, id index) runs after upsert returns, one run at a time
   * per collection, never under the write lock. 'inline': upsert also waits for it (tests, batch jobs).
   */
  indexMaintenance?: 'background' | 'inline';
  /** Called with errors from background work (default: console.warn). */
  onBackgroundError?: (e: unknown, collection: string) => void;
  /** Called when a collection's ANN index is rebuilt from its table because another process wrote to it. */
  onIndexRebuild?: (collection: string) => void;
  /**
   * Seconds between checks for table versions written by another process or store instance: 0 (default) checks on
   * every table read and at most once a second on index searches (a newer version rebuilds the index from the
   * table); null never checks (own writes only).
   */
  readConsistencyIntervalS?: number | null;
  /** HNSW settings of the in-process index (defaults: HNSW_PARAMS, measured by bench/store.ts). */
  hnsw?: Partial<HnswParams>;
  /** Filtered-search planning thresholds (defaults: FILTER_PLAN). */
  filterPlan?: Partial<FilterPlanOptions>;
  /** Payloads kept in memory per collection for serving hits (default 200k; 0 disables). */
  payloadCacheSize?: number;
  /** Save an index this long after writes go idle (default 2000 ms). */
  annSaveIdleMs?: number;
  /**
   * close() absorbs the rows the graphs have not yet taken for at most this long, then saves (default 1000 ms);
   * rows still unabsorbed are saved beside the graphs and absorbed after the next open. flushIndex() has no limit.
   */
  annCloseDrainMs?: number;
  /**
   * An idle index is compacted (rebuilt aside with dense keys, then swapped in) once the keys of replaced or deleted
   * rows number at least this many and at least as many as the live ones (default 65,536; Infinity never compacts;
   * see AnnSync).
   */
  annCompactMinDead?: number;
  /**
   * A memory-mapped saved graph file up to this many bytes is copied into memory on the first write after an open
   * (a short synchronous copy; default 8 MiB); a bigger one stays mapped and read-only, new rows going into a small
   * in-memory delta graph searched beside it (see VectorIndex). 0: every mapped graph stays mapped.
   */
  annMappedCopyMaxBytes?: number;
  /** Concurrent CPU-bound table reads (default: the core count). */
  readConcurrency?: number;
  /**
   * Worker threads that run HNSW graph searches on the saved (memory-mapped) graph files, so searches use more
   * than the event loop's core (default: the core count, at most 2; 0 searches in this thread). Threads start
   * with the first search of a big enough graph.
   * Graphs with rows absorbed since their last save, and graphs under `searchThreadsMinGraph` rows (default 10k),
   * are searched in this thread.
   */
  searchThreads?: number;
  searchThreadsMinGraph?: number;
  /**
   * Graph-file bytes each search thread copies into its own memory before it maps the rest (default 256 MiB, or
   * 1/64 of the machine's memory where less; see DEFAULT_COPY_BYTES): a copy searched faster under load than the
   * shared mapping. 0: every graph is mapped (no extra memory).
   */
  searchThreadCopyBytes?: number;
  /**
   * Whether the search threads narrow to one while this process keeps the cores busy (default true; see
   * NARROW_WHEN_SATURATED). false: every search thread is used whatever the load.
   */
  searchThreadsNarrow?: boolean;
}

interface OpenCollection {
  table: lancedb.Table;
  schema: CollectionSchema;
  arrowSchema: Schema;
  ann: AnnSync;
  cache: PayloadCache;
  /** Bumped by every write: a table read that started before a write must not refill the cache. */
  epoch: number;
  writesSinceMaintenance: number;
  /** The id BTREE is known to exist. */
  idIndexed: boolean;
}

/** Writes between table maintenance plans (each upsert adds at least one small fragment). */
const MAINTENANCE_EVERY_WRITES = 32;

const GET_CHUNK = 500;
const MAX_SCROLL = 10_000;

/** The embedded default VectorStore: LanceDB tables on local disk, one per collection, searched in process. */
export class LanceDbStore implements VectorStore {
  readonly backend = 'lancedb' as const;
  private readonly open = new Map<string, OpenCollection>();
  private readonly opening = new Map<string, Promise<OpenCollection>>();
  /** Per-collection write queue: writes commit (and update the ANN index) one at a time. */
  private readonly writeChains = new Map<string, Promise<unknown>>();
  private readonly maintenance = new Map<string, Promise<void>>();
  /** Upserts waiting for the write lock, per collection (group commit, see lancedb/group-commit.ts). */
  private readonly upsertQueues = new Map<string, QueuedUpsert[]>();
  /** Deletes queued so far per collection: the barrier no upsert group crosses. */
  private readonly deletesQueued = new Map<string, number>();
  private readonly hnsw: HnswParams;
  private readonly plan: FilterPlanOptions;
  private readonly reads: Limiter;
  /** Started by the first search (processes that never search start no threads). */
  private pool: SearchPool | undefined;
  private poolSize: number | undefined;

  private constructor(
    private readonly db: lancedb.Connection,
    private readonly dir: string,
    private readonly opts: LanceDbStoreOptions,
  ) {
    this.hnsw = { ...HNSW_PARAMS, ...opts.hnsw };
    this.plan = { ...FILTER_PLAN, ...opts.filterPlan };
    this.reads = new Limiter(opts.readConcurrency);
  }

  /** Opens (creating if needed) the LanceDB directory under `<dataDir>/lancedb`. */
  static async open(opts: LanceDbStoreOptions): Promise<LanceDbStore> {
    const dir = path.resolve(opts.dataDir, 'lancedb');
    mkdirSync(dir, { recursive: true });
    // Strong consistency: every read checks for a newer table version (a cheap manifest lookup on local disk), so
    // writes from another process or store instance (the CLI while a server runs) are visible at once.
    const interval =
      opts.readConsistencyIntervalS === undefined ? 0 : opts.readConsistencyIntervalS;
    const db = await lancedb.connect(
      dir,
      interval === null ? {} : { readConsistencyInterval: interval },
    );
    return new LanceDbStore(db, dir, opts);
  }

  async createCollection(input: CollectionSchemaInput): Promise<CollectionSchema> {
    const schema = parseCollectionSchema(input);
    if ((await this.db.tableNames()).includes(schema.name)) {
      throw new ChorusError('COLLECTION_EXISTS', `collection ${schema.name} already exists`, {
        name: schema.name,
      });
    }
    const arrowSchema = arrowSchemaFor(schema);
    try {
      const table = await this.db.createEmptyTable(schema.name, arrowSchema, { mode: 'create' });
      // A leftover index directory of an earlier collection with this name must not be mistaken for this one's.
      rmSync(path.join(this.dir, `${schema.name}.ann`), { recursive: true, force: true });
      this.open.set(schema.name, this.entry(schema.name, table, schema));
    } catch (e) {
      if (/already exists/i.test(String(e))) {
        throw new ChorusError('COLLECTION_EXISTS', `collection ${schema.name} already exists`, {
          name: schema.name,
        });
      }
      throw e;
    }
    return schema;
  }

  async openCollection(name: string, expected?: CollectionSchemaInput): Promise<CollectionSchema> {
    const c = await this.collection(name);
    if (expected) assertSchemaCompatible(c.schema, expected);
    return c.schema;
  }

  async listCollections(): Promise<CollectionSchema[]> {
    const out: CollectionSchema[] = [];
    for (const name of await this.db.tableNames()) {
      try {
        out.push((await this.collection(name)).schema);
      } catch (e) {
        if (!(e instanceof ChorusError)) throw e; // a foreign table in the directory: not a collection
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async dropCollection(name: string): Promise<void> {
    const c = await this.collection(name); // NOT_FOUND for unknown names
    // Maintenance ends by taking the write lock itself: wait for it first, not while holding the lock.
    await this.maintenance.get(name);
    await this.withWriteLock(name, async () => {
      c.ann.destroy();
      await this.db.dropTable(name);
      this.open.delete(name);
    });
  }

  async upsert(
    collection: string,
    items: ItemInput[],
    opts: WriteOptions = {},
  ): Promise<{ upserted: number }> {
    opts.signal?.throwIfAborted();
    const c = await this.collection(collection);
    const valid = validateBatch(c.schema, items); // throws before anything is written
    if (valid.length === 0) return { upserted: 0 };
    await c.ann.ready();
    const queue = this.upsertQueue(collection);
    const settled = new Promise<void>((resolve, reject) => {
      queue.push({
        items: valid,
        opts,
        barrier: this.deletesQueued.get(collection) ?? 0,
        settled: false,
        resolve,
        reject,
      });
    });
    const entry = queue[queue.length - 1]!;
    // The lock task of a batch that an earlier task already committed in its group finds it settled: no-op.
    this.withWriteLock(collection, () => this.commitQueued(collection, c, entry)).catch(
      (e: unknown) => {
        // commitQueued settles every batch it takes; this only guards against a bug leaving a caller hanging.
        if (entry.settled) return;
        entry.settled = true;
        queue.splice(queue.indexOf(entry), 1);
        entry.reject(e);
      },
    );
    await settled;
    await this.scheduleMaintenance(collection, c);
    return { upserted: valid.length };
  }

  async get(
    collection: string,
    ids: ItemId[],
    opts: { withVectors?: boolean; signal?: AbortSignal } = {},
  ): Promise<Item[]> {
    const c = await this.collection(collection);
    if (!opts.withVectors) {
      await c.ann.ready(); // also notices writes from elsewhere, which clear the cache
      const payloads = await this.payloads(c, ids, opts.signal);
      // Each id once, in first-seen order (a loop: a search asks this for ~100 ids).
      const out: Item[] = [];
      const seen = new Set<string>();
      for (const id of ids) {
        const payload = payloads.get(id);
        if (payload === undefined || seen.has(id)) continue;
        seen.add(id);
        out.push({ id, payload, vectors: {} });
      }
      return out;
    }
    const found = new Map<string, Item>();
    for (const row of await this.readRows(c, ids, true, opts.signal)) {
      const item = rowToItem(c.schema, row, true);
      found.set(item.id, item);
    }
    return [...new Set(ids)].flatMap((id) => found.get(id) ?? []);
  }

  async delete(
    collection: string,
    ids: ItemId[],
    opts: WriteOptions = {},
  ): Promise<{ deleted: number }> {
    opts.signal?.throwIfAborted();
    const c = await this.collection(collection);
    if (ids.length === 0) return { deleted: 0 };
    let deleted = 0;
    await c.ann.ready();
    this.deletesQueued.set(collection, (this.deletesQueued.get(collection) ?? 0) + 1);
    await this.withWriteLock(collection, async () => {
      opts.signal?.throwIfAborted();
      opts.onCommit?.();
      for (let i = 0; i < ids.length; i += GET_CHUNK) {
        const chunk = ids.slice(i, i + GET_CHUNK);
        await this.ownCommit(c, async () => {
          const { numDeletedRows, version } = await c.table.delete(idIn(chunk));
          deleted += numDeletedRows;
          c.epoch++;
          for (const id of chunk) c.cache.delete(id);
          c.ann.deleted(chunk, version);
          return version;
        });
      }
    });
    return { deleted };
  }

  /**
   * The ids a filter selects, from the in-memory payloads, as the exact plan finds them (see matchInMemory);
   * undefined where that cannot answer.
   */
  async matchingIds(
    collection: string,
    filter: Filter,
    max: number,
  ): Promise<Set<string> | undefined> {
    const c = await this.collection(collection);
    const predicate = compileFilter(filter, c.schema.payloadIndexes); // validates the filter first
    const ann = await c.ann.ready();
    const found = matchInMemory(ann, c.cache, this.plan, predicate, max);
    return found && new Set(found.map((key) => ann.keys.idOf(key)!));
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    const c = await this.collection(collection);
    return c.table.countRows(toLanceWhere(filter, c.schema.payloadIndexes));
  }

  async scroll(
    collection: string,
    opts: { limit?: number; cursor?: string; filter?: Filter; withVectors?: boolean } = {},
  ): Promise<ScrollPage> {
    const c = await this.collection(collection);
    const limit = opts.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SCROLL) {
      throw new ChorusError('VALIDATION', `scroll limit must be an integer in 1..${MAX_SCROLL}`);
    }
    const clauses: string[] = [];
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    if (after !== undefined) clauses.push(`\`${ID_COLUMN}\` > ${sqlString(after)}`);
    const where = toLanceWhere(opts.filter, c.schema.payloadIndexes);
    if (where) clauses.push(`(${where})`);
    let q = c.table.query();
    if (clauses.length) q = q.where(clauses.join(' AND '));
    const rows = (await q
      .orderBy({ columnName: ID_COLUMN, ascending: true })
      .limit(limit + 1)
      .select(selectColumns(c.schema, !!opts.withVectors))
      .toArray()) as LanceRow[];
    const items = rows.slice(0, limit).map((r) => rowToItem(c.schema, r, !!opts.withVectors));
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, next: encodeCursor(last.id) } : { items };
  }

  /**
   * One pass over every item a filter selects, in the table's batches and in no particular order: a page of `scroll`
   * sorts the table by id to find where its cursor left off, so reading 100k items through it read the table once per
   * page (counting payloads: 3.5-4.6 s against 1.1-1.3 s in one pass).
   */
  async *scan(
    collection: string,
    opts: { filter?: Filter; withVectors?: boolean; signal?: AbortSignal } = {},
  ): AsyncGenerator<Item[]> {
    const c = await this.collection(collection);
    const where = toLanceWhere(opts.filter, c.schema.payloadIndexes);
    let q = c.table.query().select(selectColumns(c.schema, !!opts.withVectors));
    if (where) q = q.where(where);
    type Batch = { toArray(): LanceRow[] };
    for await (const batch of q as unknown as AsyncIterable<Batch>) {
      opts.signal?.throwIfAborted();
      yield batch.toArray().map((r) => rowToItem(c.schema, r, !!opts.withVectors));
    }
  }

  /**
   * Ranking search through the in-process index: no table query unless the hits' payloads are not cached (one
   * batched read) or a selective filter picks the exact plan. `opts.onPlan` learns which plan ran.
   */
  async search(
    collection: string,
    vectorName: string,
    vector: Float32Array | number[],
    k: number,
    opts: SearchOptions = {},
  ): Promise<VectorHit[]> {
    opts.signal?.throwIfAborted();
    const c = await this.collection(collection);
    checkK(k);
    const query = checkVector(c.schema, vectorName, vector, 'query');
    const spec = c.schema.vectors[vectorName]!;
    const where = toLanceWhere(opts.filter, c.schema.payloadIndexes); // validates the filter first
    const ann = await c.ann.ready();
    opts.signal?.throwIfAborted();
    const { hits, plan } = await plannedSearch({
      ann,
      cache: c.cache,
      vector: vectorName,
      distance: spec.distance,
      query,
      k,
      pool: this.searchPool(),
      options: this.plan,
      filter:
        opts.filter && where
          ? {
              predicate: compileFilter(opts.filter, c.schema.payloadIndexes),
              count: () => this.reads.run(() => c.table.countRows(where), opts.signal),
            }
          : undefined,
      payloads: (ids) => this.payloads(c, ids, opts.signal),
      exact: () => this.exactSearch(c, vectorName, query, k, where, opts.signal),
    });
    opts.onPlan?.(plan);
    if (!opts.withVectors || hits.length === 0) return hits;
    const stored = new Map(
      (
        await this.get(
          collection,
          hits.map((h) => h.id),
          { withVectors: true, signal: opts.signal },
        )
      ).map((i) => [i.id, i]),
    );
    return hits.flatMap((h) => {
      const item = stored.get(h.id);
      return item ? [{ ...h, payload: item.payload, vectors: item.vectors }] : [];
    });
  }

  /** Waits for pending background table maintenance (for tests, benchmarks and shutdown). */
  async flushMaintenance(collection?: string): Promise<void> {
    const pending = collection
      ? [this.maintenance.get(collection)]
      : [...this.maintenance.values()];
    await Promise.all(pending);
  }

  /** Absorbs every pending row into the ANN graphs and saves the index now (tests, benchmarks). */
  async flushIndex(collection: string): Promise<void> {
    const c = await this.collection(collection);
    await c.ann.ready();
    await c.ann.flush();
  }

  /** Runs table maintenance for a collection now (compaction, id index). */
  async maintain(collection: string): Promise<void> {
    const c = await this.collection(collection);
    // Loaded first, so the versions maintenance adds are stamped on the saved index; else the next open sees a
    // newer table than the index and rebuilds it from scratch.
    await c.ann.ready();
    const plan = await planMaintenance(c.table);
    if (hasWork(plan)) await this.runMaintenance(collection, c, plan);
  }

  /** Indexes per column (for diagnostics and tests): the table's own, and the in-process HNSW per vector. */
  async indexInfo(
    collection: string,
  ): Promise<{ column: string; type: string; indexed: number; unindexed: number }[]> {
    const c = await this.collection(collection);
    const out = [];
    for (const idx of await c.table.listIndices()) {
      const stats = await c.table.indexStats(idx.name);
      out.push({
        column: idx.columns[0] ?? '',
        type: idx.indexType,
        indexed: stats?.numIndexedRows ?? 0,
        unindexed: stats?.numUnindexedRows ?? 0,
      });
    }
    await c.ann.ready();
    for (const v of c.ann.info())
      out.push({
        column: vectorColumn(v.vector),
        type: 'usearch-hnsw',
        indexed: v.graph,
        unindexed: v.pending,
      });
    return out;
  }

  /**
   * The ANN index's keys: live items and keys ever assigned (every write takes one; a dead key holds its row until
   * a compaction), after waiting for a compaction in flight. For diagnostics and tests.
   */
  async annKeySpace(collection: string): Promise<{ live: number; assigned: number } | undefined> {
    const c = await this.collection(collection);
    await c.ann.ready();
    await c.ann.whenCompacted();
    return c.ann.keySpace();
  }

  /**
   * Worker threads started for graph searches, how many searches they answered and in how many messages (searches
   * started together go as one); undefined when none started.
   */
  searchThreadStats(): { threads: number; searches: number; messages: number } | undefined {
    return (
      this.pool && {
        threads: this.pool.size,
        searches: this.pool.completed,
        messages: this.pool.messages,
      }
    );
  }

  private searchPool(): SearchPool | undefined {
    // Once: availableParallelism() is a system call, and this runs for every vector list of every search.
    const size = (this.poolSize ??= this.opts.searchThreads ?? Math.min(2, availableParallelism()));
    if (size <= 0) return undefined;
    this.pool ??= new SearchPool(
      size,
      this.opts.searchThreadsMinGraph,
      this.opts.searchThreadCopyBytes,
      this.opts.searchThreadsNarrow === false ? () => false : undefined,
    );
    return this.pool;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
    await this.flushMaintenance();
    for (const c of this.open.values()) {
      await c.ann.close();
      c.table.close();
    }
    this.open.clear();
    this.db.close();
  }

  /**
   * After opening a saved index, fills the payload cache from one table scan in the background, so the first
   * searches do not each pay a table read. Stops at the first write (the scan's snapshot may be older than it).
   */
  private async warmCache(c: OpenCollection): Promise<void> {
    const epoch = c.epoch;
    let n = 0;
    const scan = c.table.query().select([ID_COLUMN, PAYLOAD_COLUMN]);
    type Batch = { numRows: number; getChild(name: string): { get(i: number): unknown } | null };
    for await (const batch of scan as unknown as AsyncIterable<Batch>) {
      const ids = batch.getChild(ID_COLUMN)!;
      const payloads = batch.getChild(PAYLOAD_COLUMN)!;
      for (let i = 0; i < batch.numRows; i++) {
        if (c.epoch !== epoch || n++ >= c.cache.capacity) return;
        const id = String(ids.get(i));
        if (!c.cache.has(id)) c.cache.set(id, String(payloads.get(i)));
      }
    }
  }

  /** Payloads by id: the cache, then one batched table read for the rest (which refills the cache). */
  private async payloads(
    c: OpenCollection,
    ids: string[],
    signal?: AbortSignal,
  ): Promise<Map<string, Payload>> {
    const out = new Map<string, Payload>();
    const missing: string[] = [];
    for (const id of ids) {
      const p = c.cache.get(id);
      if (p) out.set(id, p);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const epoch = c.epoch;
    const rows = await this.readRows(c, missing, false, signal);
    for (const row of rows) {
      const id = String(row[ID_COLUMN]);
      const json = String(row[PAYLOAD_COLUMN]);
      out.set(id, JSON.parse(json) as Payload);
      if (c.epoch === epoch) c.cache.set(id, json);
    }
    return out;
  }

  private async readRows(
    c: OpenCollection,
    ids: string[],
    withVectors: boolean,
    signal?: AbortSignal,
  ): Promise<LanceRow[]> {
    const unique = [...new Set(ids)];
    const out: LanceRow[] = [];
    for (let i = 0; i < unique.length; i += GET_CHUNK) {
      const chunk = unique.slice(i, i + GET_CHUNK);
      const rows = await this.reads.run(
        () =>
          c.table
            .query()
            .where(idIn(chunk))
            .select(selectColumns(c.schema, withVectors))
            .toArray() as Promise<LanceRow[]>,
        signal,
      );
      out.push(...rows);
    }
    return out;
  }

  /** The table's exact prefiltered scan (the plan for selective filters). */
  private async exactSearch(
    c: OpenCollection,
    vectorName: string,
    query: Float32Array,
    k: number,
    where: string | undefined,
    signal?: AbortSignal,
  ): Promise<VectorHit[]> {
    const spec = c.schema.vectors[vectorName]!;
    let q = c.table
      .vectorSearch(query)
      .column(vectorColumn(vectorName))
      .distanceType(spec.distance)
      .limit(k)
      .bypassVectorIndex();
    if (where) q = q.where(where);
    const rows = (await this.reads.run(
      () => q.select([...selectColumns(c.schema, false), '_distance']).toArray(),
      signal,
    )) as LanceRow[];
    return rows.map((row) => {
      const item = rowToItem(c.schema, row, false);
      return {
        id: item.id,
        score: lanceDistanceToScore(spec.distance, Number(row._distance)),
        payload: item.payload,
      };
    });
  }

  private async scheduleMaintenance(name: string, c: OpenCollection): Promise<void> {
    if (this.maintenance.has(name)) return; // one run at a time; it re-plans from fresh counts
    // Planning reads table statistics (several table calls): only when enough writes may have left enough small
    // fragments, or when the id index may be due. No await before the run is registered below: concurrent writers
    // each started a run of their own (four id-index builds at once were seen, "CreateIndex preempted").
    const idIndexDue = !c.idIndexed && (c.ann.loaded?.keys.size ?? 0) >= ID_INDEX_THRESHOLD;
    if (!idIndexDue && c.writesSinceMaintenance < MAINTENANCE_EVERY_WRITES) return;
    c.writesSinceMaintenance = 0;
    const run = (async () => {
      const plan = await planMaintenance(c.table);
      if (!plan.idIndex)
        c.idIndexed ||= (await c.table.listIndices()).some((x) => x.columns[0] === ID_COLUMN);
      if (hasWork(plan)) await this.runMaintenance(name, c, plan);
    })().finally(() => this.maintenance.delete(name));
    if (this.opts.indexMaintenance === 'inline') {
      this.maintenance.set(name, run);
      await run;
      return;
    }
    const guarded = run.catch((e: unknown) => {
      (this.opts.onBackgroundError ?? defaultBackgroundError)(e, name);
    });
    this.maintenance.set(name, guarded);
  }

  /** Maintenance on a second table handle, outside the write lock: writes and searches go on meanwhile. */
  private async runMaintenance(
    name: string,
    c: OpenCollection,
    plan: Awaited<ReturnType<typeof planMaintenance>>,
  ): Promise<void> {
    c.ann.maintenanceStarting(); // until maintenanceDone has recorded the new versions
    try {
      const handle = await this.db.openTable(name);
      try {
        await applyMaintenance(handle, plan);
      } finally {
        handle.close();
      }
    } finally {
      await c.ann.maintenanceDone();
    }
  }

  private entry(name: string, table: lancedb.Table, schema: CollectionSchema): OpenCollection {
    const entry: OpenCollection = {
      table,
      schema,
      // Rebuild the Arrow schema from our own apache-arrow module: the one LanceDB returns comes from its CommonJS
      // copy, whose type objects our ESM builders do not recognise. The same function built the stored table.
      arrowSchema: arrowSchemaFor(schema),
      cache: new PayloadCache(this.opts.payloadCacheSize ?? 200_000),
      epoch: 0,
      writesSinceMaintenance: 0,
      idIndexed: false,
      ann: undefined as unknown as AnnSync,
    };
    const interval =
      this.opts.readConsistencyIntervalS === undefined ? 0 : this.opts.readConsistencyIntervalS;
    entry.ann = new AnnSync(table, schema, (fn) => this.withWriteLock(name, fn), {
      dir: path.join(this.dir, `${name}.ann`),
      params: this.hnsw,
      freshnessMs: interval === null ? null : Math.max(1000, interval * 1000),
      saveIdleMs: this.opts.annSaveIdleMs ?? 2000,
      closeDrainMs: this.opts.annCloseDrainMs ?? 1000,
      compactMinDead: this.opts.annCompactMinDead,
      mappedCopyMaxBytes: this.opts.annMappedCopyMaxBytes,
      onError: (e) => (this.opts.onBackgroundError ?? defaultBackgroundError)(e, name),
      onForeignChange: () => {
        entry.epoch++;
        entry.cache.clear();
        this.opts.onIndexRebuild?.(name);
      },
      // Scans under the write lock (an open without a usable saved index) read what is current: they fill the cache.
      onPayload: (id, json) => entry.cache.set(id, json),
      openVersion: async (version) => {
        const handle = await this.db.openTable(name);
        await handle.checkout(version);
        return handle;
      },
      onOpenedSaved: () => {
        this.warmCache(entry).catch((e: unknown) =>
          (this.opts.onBackgroundError ?? defaultBackgroundError)(e, name),
        );
      },
    });
    return entry;
  }

  private async collection(name: string): Promise<OpenCollection> {
    const cached = this.open.get(name);
    if (cached) return cached;
    // LanceDB panics (a Rust backtrace on stderr) on a table name it does not allow: the CLI and the library pass
    // names through unchecked, so refuse them here with the rule every route applies.
    if (!COLLECTION_NAME_PATTERN.test(name)) {
      throw new ChorusError(
        'VALIDATION',
        `invalid collection name ${JSON.stringify(name)}: collection names are 1-64 letters, digits, _ or -`,
        { name },
      );
    }
    let pending = this.opening.get(name);
    if (!pending) {
      pending = this.openTable(name).finally(() => this.opening.delete(name));
      this.opening.set(name, pending);
    }
    return pending;
  }

  private async openTable(name: string): Promise<OpenCollection> {
    let table: lancedb.Table;
    try {
      table = await this.db.openTable(name);
    } catch (e) {
      if (/not found|does not exist|was not found/i.test(String(e))) {
        throw new ChorusError('COLLECTION_NOT_FOUND', `collection ${name} does not exist`, {
          name,
        });
      }
      throw e;
    }
    const entry = this.entry(name, table, collectionSchemaFromArrow(name, await table.schema()));
    this.open.set(name, entry);
    return entry;
  }

  private upsertQueue(collection: string): QueuedUpsert[] {
    let q = this.upsertQueues.get(collection);
    if (!q) this.upsertQueues.set(collection, (q = []));
    return q;
  }

  /**
   * Under the write lock: commits `head` with every compatible batch queued behind it as one commit (see
   * takeGroup). A failed group commit is retried batch by batch, so one bad batch fails only its own caller.
   */
  private async commitQueued(name: string, c: OpenCollection, head: QueuedUpsert): Promise<void> {
    const queue = this.upsertQueue(name);
    if (head.settled) return;
    const settle = (q: QueuedUpsert, e?: unknown) => {
      q.settled = true;
      const i = queue.indexOf(q);
      if (i >= 0) queue.splice(i, 1);
      if (e === undefined) q.resolve();
      else q.reject(e);
    };
    // A caller that gave up while this write queued behind another is not applied: nothing has started yet.
    // Past this point the write completes (a timed-out request finishes it; a retry is idempotent by id).
    if (head.opts.signal?.aborted) {
      settle(head, head.opts.signal.reason ?? new Error('aborted'));
      return;
    }
    const group = takeGroup(queue, head);
    const commit = async (batch: QueuedUpsert[]) => {
      const ann = c.ann.loaded;
      if (!ann) throw new ChorusError('COLLECTION_NOT_FOUND', `collection ${name} was dropped`);
      for (const q of batch) q.opts.onCommit?.(); // synchronously after the abort checks: no gap between
      const items = batch.length === 1 ? batch[0]!.items : batch.flatMap((q) => q.items);
      await this.ownCommit(c, async (before) => {
        const version = await commitRows(
          { table: c.table, schema: c.schema, arrowSchema: c.arrowSchema, ann },
          items,
          before,
        );
        c.epoch++;
        c.writesSinceMaintenance++;
        // A group of up to 2,000 rows (three vectors each) is a long piece of synchronous work: record it in
        // slices and let waiting requests (searches) run between them. Nothing here is acknowledged before the
        // last slice, and the write lock and the own-commit bracket are held throughout.
        for (let i = 0; i < items.length; i += RECORD_SLICE_ROWS) {
          if (i > 0) await new Promise((r) => setImmediate(r));
          const part =
            items.length <= RECORD_SLICE_ROWS ? items : items.slice(i, i + RECORD_SLICE_ROWS);
          for (const item of part) c.cache.set(item.id, JSON.stringify(item.payload));
          c.ann.upserted(part, version);
        }
        return version;
      });
    };
    try {
      await commit(group);
      for (const q of group) settle(q);
    } catch (e) {
      if (group.length === 1) settle(head, e);
      else
        for (const q of group) {
          try {
            await commit([q]);
            settle(q);
          } catch (e2) {
            settle(q, e2);
          }
        }
    }
  }

  /**
   * Runs one own table commit (under the write lock) so the ANN index can tell its version from another process's
   * (see AnnSync.commitStarting). `fn` gets the table version just before it, commits, records the commit in the
   * index and returns the version it produced.
   */
  private async ownCommit(
    c: OpenCollection,
    fn: (before: number) => Promise<number>,
  ): Promise<void> {
    const before = await c.table.version();
    c.ann.commitStarting(before);
    let after: number | undefined;
    try {
      after = await fn(before);
    } finally {
      c.ann.commitEnded(before, after);
    }
  }

  private withWriteLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.writeChains.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.writeChains.set(name, settled);
    void settled.then(() => {
      if (this.writeChains.get(name) === settled) this.writeChains.delete(name);
    });
    return next;
  }
}

/** Rows recorded in the index (pending rows, payload cache) per turn of the event loop after a commit. */
const RECORD_SLICE_ROWS = 200;

function idIn(ids: string[]): string {
  return `\`${ID_COLUMN}\` IN (${ids.map(sqlString).join(', ')})`;
}

function defaultBackgroundError(e: unknown, collection: string): void {
  console.warn(
    `chorus: index maintenance for collection ${collection} failed: ${(e as Error).message ?? String(e)}`,
  );
}
