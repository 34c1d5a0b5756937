import { mkdirSync } from 'node:fs';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';
import type { CollectionSchema, CollectionSchemaInput } from '../domain/collection.js';
import type { Filter } from '../domain/filter.js';
import type { Item, ItemId, VectorHit } from '../domain/item.js';
import { ChorusError } from '../errors.js';
import { toLanceWhere, sqlString } from './filter-lancedb.js';
import { checkK, checkVector, validateBatch } from './item-validation.js';
import {
  ANN_PARAMS,
  DEFAULT_ANN_THRESHOLD,
  applyIndexPlan,
  type AnnParams,
  hasWork,
  planIndexMaintenance,
} from './lancedb/ann-index.js';
import {
  arrowSchemaFor,
  collectionSchemaFromArrow,
  ID_COLUMN,
  vectorColumn,
} from './lancedb/columns.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { itemsToArrow, rowToItem, selectColumns, type LanceRow } from './lancedb/rows.js';
import { assertSchemaCompatible, parseCollectionSchema } from './schema-compat.js';
import { lanceDistanceToScore } from './scores.js';
import type { ItemInput, ScrollPage, SearchOptions, VectorStore, WriteOptions } from './vector-store.js';

// Index statistics would otherwise log a deprecation warning about centroids on every call.
process.env.LANCE_INCLUDE_VECTOR_CENTROIDS ??= 'false';

export interface LanceDbStoreOptions {
  /** Chorus data directory; tables live under `<dataDir>/lancedb`. */
  dataDir: string;
  /** Rows with a vector at which that vector column gets an ANN index (default 50k). */
  annThreshold?: number;
  /**
   * 'background' (default): index builds/refreshes run after upsert returns, one at a time per collection.
   * 'inline': upsert waits for them (tests, benchmarks, batch jobs).
   */
  indexMaintenance?: 'background' | 'inline';
  /** Called with errors from background index maintenance (default: console.warn). */
  onBackgroundError?: (e: unknown, collection: string) => void;
  /**
   * Seconds between checks for table versions written by another process or store instance: 0 (default) checks on
   * every read, so the CLI's writes show up in a running server at once; null never checks (own writes only).
   */
  readConsistencyIntervalS?: number | null;
  /** Index build and search settings (defaults: ANN_PARAMS, tuned by bench/store.ts). */
  ann?: Partial<AnnParams>;
}

interface OpenCollection {
  table: lancedb.Table;
  schema: CollectionSchema;
  arrowSchema: Schema;
}

const GET_CHUNK = 500;
const MAX_SCROLL = 10_000;

/** The embedded default VectorStore: LanceDB tables on local disk, one per collection. */
export class LanceDbStore implements VectorStore {
  readonly backend = 'lancedb' as const;
  private readonly open = new Map<string, OpenCollection>();
  /** Per-collection write queue: writes and index maintenance commit one at a time. */
  private readonly writeChains = new Map<string, Promise<unknown>>();
  private readonly maintenance = new Map<string, Promise<void>>();
  private readonly threshold: number;
  private readonly ann: AnnParams;

  private constructor(
    private readonly db: lancedb.Connection,
    private readonly opts: LanceDbStoreOptions,
  ) {
    this.threshold = opts.annThreshold ?? DEFAULT_ANN_THRESHOLD;
    this.ann = { ...ANN_PARAMS, ...opts.ann };
  }

  /** Opens (creating if needed) the LanceDB directory under `<dataDir>/lancedb`. */
  static async open(opts: LanceDbStoreOptions): Promise<LanceDbStore> {
    const dir = path.resolve(opts.dataDir, 'lancedb');
    mkdirSync(dir, { recursive: true });
    // Strong consistency: every read checks for a newer table version (a cheap manifest lookup on local disk), so
    // writes from another process or store instance (the CLI while a server runs) are visible at once.
    const interval = opts.readConsistencyIntervalS === undefined ? 0 : opts.readConsistencyIntervalS;
    const db = await lancedb.connect(dir, interval === null ? {} : { readConsistencyInterval: interval });
    return new LanceDbStore(db, opts);
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
      this.open.set(schema.name, { table, schema, arrowSchema });
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
    await this.collection(name); // NOT_FOUND for unknown names
    await this.withWriteLock(name, async () => {
      await this.maintenance.get(name);
      await this.db.dropTable(name);
      this.open.delete(name);
    });
  }

  async upsert(collection: string, items: ItemInput[], opts: WriteOptions = {}): Promise<{ upserted: number }> {
    opts.signal?.throwIfAborted();
    const c = await this.collection(collection);
    const valid = validateBatch(c.schema, items); // throws before anything is written
    if (valid.length === 0) return { upserted: 0 };
    const data = itemsToArrow(c.schema, c.arrowSchema, valid);
    await this.withWriteLock(collection, async () => {
      // A caller that gave up while this write queued behind another is not applied: nothing has started yet.
      opts.signal?.throwIfAborted();
      opts.onCommit?.();
      // One mergeInsert is one LanceDB commit: the whole batch becomes visible at once or not at all.
      await c.table
        .mergeInsert(ID_COLUMN)
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(data);
    });
    await this.scheduleMaintenance(collection, c);
    return { upserted: valid.length };
  }

  async get(
    collection: string,
    ids: ItemId[],
    opts: { withVectors?: boolean; signal?: AbortSignal } = {},
  ): Promise<Item[]> {
    const c = await this.collection(collection);
    const found = new Map<string, Item>();
    for (let i = 0; i < ids.length; i += GET_CHUNK) {
      opts.signal?.throwIfAborted();
      const chunk = ids.slice(i, i + GET_CHUNK);
      const rows = (await c.table
        .query()
        .where(idIn(chunk))
        .select(selectColumns(c.schema, !!opts.withVectors))
        .toArray()) as LanceRow[];
      for (const row of rows) {
        const item = rowToItem(c.schema, row, !!opts.withVectors);
        found.set(item.id, item);
      }
    }
    return [...new Set(ids)].flatMap((id) => found.get(id) ?? []);
  }

  async delete(collection: string, ids: ItemId[], opts: WriteOptions = {}): Promise<{ deleted: number }> {
    opts.signal?.throwIfAborted();
    const c = await this.collection(collection);
    if (ids.length === 0) return { deleted: 0 };
    let deleted = 0;
    await this.withWriteLock(collection, async () => {
      opts.signal?.throwIfAborted();
      opts.onCommit?.();
      for (let i = 0; i < ids.length; i += GET_CHUNK) {
        const where = idIn(ids.slice(i, i + GET_CHUNK));
        const n = await c.table.countRows(where);
        if (n > 0) await c.table.delete(where);
        deleted += n;
      }
    });
    return { deleted };
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
    let q = c.table
      .vectorSearch(query)
      .column(vectorColumn(vectorName))
      .distanceType(spec.distance)
      .limit(k)
      // Only used when an index exists: HNSW beam width and exact re-scoring of the SQ-quantised candidates.
      .ef(Math.max(this.ann.efMin, k * this.ann.efPerK))
      .refineFactor(this.ann.refineFactor);
    const where = toLanceWhere(opts.filter, c.schema.payloadIndexes);
    if (where) q = q.where(where);
    const rows = (await q
      .select([...selectColumns(c.schema, !!opts.withVectors), '_distance'])
      .toArray()) as LanceRow[];
    return rows.map((row) => {
      const item = rowToItem(c.schema, row, !!opts.withVectors);
      const hit: VectorHit = {
        id: item.id,
        score: lanceDistanceToScore(spec.distance, Number(row._distance)),
        payload: item.payload,
      };
      if (opts.withVectors) hit.vectors = item.vectors;
      return hit;
    });
  }

  /** Waits for pending background index maintenance (for tests, benchmarks and shutdown). */
  async flushMaintenance(collection?: string): Promise<void> {
    const pending = collection
      ? [this.maintenance.get(collection)]
      : [...this.maintenance.values()];
    await Promise.all(pending);
  }

  /** Runs index maintenance for a collection now (build the ANN index past the threshold, fold in new rows). */
  async maintain(collection: string): Promise<void> {
    const c = await this.collection(collection);
    await this.withWriteLock(collection, async () => {
      const plan = await planIndexMaintenance(c.table, c.schema, this.threshold);
      if (hasWork(plan)) await applyIndexPlan(c.table, plan, this.ann);
    });
  }

  /** Index types per vector column (for diagnostics and tests). */
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
    return out;
  }

  async close(): Promise<void> {
    await this.flushMaintenance();
    for (const { table } of this.open.values()) table.close();
    this.open.clear();
    this.db.close();
  }

  private async scheduleMaintenance(name: string, c: OpenCollection): Promise<void> {
    if (this.maintenance.has(name)) return; // one run at a time; it re-plans from fresh counts
    const run = this.withWriteLock(name, async () => {
      const plan = await planIndexMaintenance(c.table, c.schema, this.threshold);
      if (hasWork(plan)) await applyIndexPlan(c.table, plan, this.ann);
    }).finally(() => this.maintenance.delete(name));
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

  private async collection(name: string): Promise<OpenCollection> {
    const cached = this.open.get(name);
    if (cached) return cached;
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
    const schema = collectionSchemaFromArrow(name, await table.schema());
    // Rebuild the Arrow schema from our own apache-arrow module: the one LanceDB returns comes from its CommonJS
    // copy, whose type objects our ESM builders do not recognise. The same function built the stored table.
    const entry = { table, schema, arrowSchema: arrowSchemaFor(schema) };
    this.open.set(name, entry);
    return entry;
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

function idIn(ids: string[]): string {
  return `\`${ID_COLUMN}\` IN (${ids.map(sqlString).join(', ')})`;
}

function defaultBackgroundError(e: unknown, collection: string): void {
  console.warn(
    `chorus: index maintenance for collection ${collection} failed: ${(e as Error).message ?? String(e)}`,
  );
}
