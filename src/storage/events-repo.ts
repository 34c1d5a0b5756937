import { isDeepStrictEqual } from 'node:util';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import {
  parseFeedbackEvent,
  type FeedbackEvent,
  type FeedbackEventInput,
  type FeedbackType,
} from '../domain/feedback.js';
import { ChorusError } from '../errors.js';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { checkFeatureRows, type FeatureRowShape } from '../domain/feature-rows.js';
import { featuresFromPacked, packFeatureRows, unpackFeatureRows } from '../feedback/packed-rows.js';
import { prunePass } from './event-prune.mjs';
import { reclaimFreePages } from './free-pages.mjs';

/**
 * Events one retention batch deletes. Each batch is a write transaction that other writers of chorus.db (a client's
 * feedback append on the event loop) wait for: deleting a server impression with its seven index entries took
 * ~50-95 us (a bench log of 110k impressions), so ~5 ms per batch of 100 (500: ~47 ms).
 */
export const PRUNE_BATCH = 100;

/** Who logged an event: the engine itself (served impressions) or a client over the API. */
export type EventOrigin = 'server' | 'client';

export interface AppendOptions {
  /** Arrival time (epoch ms); default now. */
  now?: number;
  /** Default 'client': only the engine's own impression log passes 'server'. */
  origin?: EventOrigin;
  /** Feature spec to validate impression rows against (default: the running one); trainable only when they do. */
  rowShape?: FeatureRowShape;
  /**
   * Server impressions' validated rows are stored packed (float32 blob) unless this is false: then they stay in the
   * JSON body, as before schema 6 (benchmarks' baseline, back-compat tests). Client rows always stay JSON.
   */
  packRows?: boolean;
}

/** An event as stored: the validated event (timestamp always set) plus its log position and arrival time. */
export interface StoredEvent {
  /** Increasing position in the log (gaps possible); use it as a resume cursor with `afterSeq`. */
  seq: number;
  /** Epoch ms when the store accepted the event. */
  receivedAt: number;
  event: FeedbackEvent & { timestamp: number };
  origin: EventOrigin;
  /** Impressions: the feature spec version their rows validated against when logged; null = not trainable. */
  featureSpec: number | null;
  /**
   * Only from `iteratePacked`: the impression's rows as stored packed (src/feedback/packed-rows.ts); `event.features`
   * is then absent. Undefined for rows stored as JSON (logs before schema 6, client rows).
   */
  featureRows?: Uint8Array;
}

/** Per collection: how much of the log a trainer can use (the admin UI warns before Train). */
export interface Trainability {
  /** Distinct queries with a trainable impression for the running spec (server-logged or validated rows). */
  impressionsWithFeatures: number;
  /** Of those, queries with at least one click, dwell, like or purchase. */
  clickedImpressions: number;
}

/** Selects events; every field narrows the result (AND). Time bounds apply to the event timestamp. */
export interface EventQuery {
  collection?: string;
  userId?: string;
  queryId?: string;
  /** Interactions about this item (click, dwell, like, purchase, skip). */
  itemId?: string;
  types?: FeedbackType[];
  /** Inclusive lower bound, epoch ms. */
  from?: number;
  /** Exclusive upper bound, epoch ms. */
  to?: number;
  /** Only events logged after this seq (resume a scan). */
  afterSeq?: number;
  /** Maximum rows (query() default 10,000; iterate() default unlimited). */
  limit?: number;
  /** Newest first (with `limit`: the most recent events, not the oldest). */
  newestFirst?: boolean;
}

/** One logged text search (see EventsRepo.loggedSearches). */
export interface LoggedSearchRow {
  seq: number;
  ts: number;
  userId: string | null;
  /** The text searched; null for an impression without one (a vector search, a recommendation). */
  query: string | null;
  /** Items the page showed (0: the search found nothing). */
  shown: number;
  /** Position of the page's first item (> 0: a later page). */
  first: number;
}

export interface AppendResult {
  /** Events newly written. */
  inserted: number;
  /** Events whose eventId was already stored (ignored: appends are idempotent on eventId). */
  duplicates: number;
}

/** One row of the events table as inserted (named parameters of the INSERT). */
export interface EventInsertRow {
  eventId: string;
  collection: string;
  type: string;
  userId: string | null;
  queryId: string | null;
  itemId: string | null;
  ts: number;
  receivedAt: number;
  body: string;
  origin: EventOrigin;
  featureSpec: number | null;
  featureRows: Uint8Array | null;
}

/** The INSERT every append runs (also on the off-thread writer's own connection). */
export const INSERT_EVENT_SQL = `INSERT OR IGNORE INTO events
      (event_id, collection, type, user_id, query_id, item_id, ts, received_at, body, origin, feature_spec, feature_rows)
      VALUES (@eventId, @collection, @type, @userId, @queryId, @itemId, @ts, @receivedAt, @body, @origin, @featureSpec,
        @featureRows)`;

interface EventRow {
  seq: number;
  received_at: number;
  body: string;
  origin: EventOrigin;
  feature_spec: number | null;
  feature_rows: Buffer | null;
}

/**
 * The append-only feedback event log (impressions, clicks, dwell, likes, purchases, skips).
 * Appends are idempotent on eventId: re-sending an event (a retry) never counts it twice; the first copy wins.
 */
export class EventsRepo {
  private readonly insert: Database.Statement;
  private readonly existing: Database.Statement;
  private readonly replace: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(INSERT_EVENT_SQL);
    this.existing = db.prepare(
      'SELECT seq, received_at, body, origin, feature_spec, feature_rows FROM events WHERE event_id = ?',
    );
    this.replace =
      db.prepare(`UPDATE events SET collection = @collection, type = @type, user_id = @userId,
      query_id = @queryId, item_id = @itemId, ts = @ts, received_at = @receivedAt, body = @body, origin = @origin,
      feature_spec = @featureSpec, feature_rows = @featureRows WHERE event_id = @eventId`);
  }

  /**
   * Validates and appends a batch in one transaction (all or nothing): when this returns, every event is durable.
   * Events without a timestamp get the arrival time. Throws VALIDATION naming the first bad event, and CONFLICT when
   * an eventId is already stored with different content; nothing is written then. A server-logged event wins over
   * a client one that took its id first (training reads the server's own log).
   */
  append(events: FeedbackEventInput[], opts: AppendOptions | number = {}): AppendResult {
    const rows = this.rows(events, opts);
    let inserted = 0;
    this.db
      .transaction(() => {
        for (const { event, row } of rows) {
          const info = this.insert.run(row);
          inserted += info.changes;
          if (info.changes === 0) this.onDuplicate(event, row, row.origin);
        }
      })
      .immediate();
    return { inserted, duplicates: rows.length - inserted };
  }

  /**
   * The validated events and the rows `append` would insert for them (no write). Throws VALIDATION as append does.
   * The off-thread writer (events-writer.ts) inserts these rows on its own connection.
   */
  rows(
    events: FeedbackEventInput[],
    opts: AppendOptions | number = {},
  ): { event: FeedbackEvent; row: EventInsertRow }[] {
    const o = typeof opts === 'number' ? { now: opts } : opts;
    const now = o.now ?? Date.now();
    const origin = o.origin ?? 'client';
    const shape = o.rowShape ?? FEATURE_ROW_SHAPE;
    return events.map((input, i) => {
      const r = parseFeedbackEvent(input);
      if (!r.success) {
        const id = (input as { eventId?: unknown } | null)?.eventId;
        throw new ChorusError(
          'VALIDATION',
          `event #${i}${typeof id === 'string' ? ` (${id})` : ''}: ${z.prettifyError(r.error)}`,
          {
            index: i,
            issues: r.error.issues,
          },
        );
      }
      const e = r.data;
      const event = { ...e, timestamp: e.timestamp ?? now };
      const featureSpec =
        event.type === 'impression' && event.features && !checkFeatureRows(event, shape)
          ? shape.specVersion
          : null;
      // The engine's own validated rows go packed (smaller, and training reads them without JSON).
      const featureRows =
        event.type === 'impression' &&
        featureSpec !== null &&
        origin === 'server' &&
        o.packRows !== false
          ? packFeatureRows(event)
          : undefined;
      const { features: _packed, ...lean } = event as typeof event & { features?: unknown };
      const row: EventInsertRow = {
        eventId: event.eventId,
        collection: event.collection,
        type: event.type,
        userId: event.userId ?? null,
        queryId: event.queryId ?? null,
        itemId: 'itemId' in event ? event.itemId : null,
        ts: event.timestamp,
        receivedAt: now,
        body: JSON.stringify(featureRows ? lean : event),
        origin,
        featureSpec,
        featureRows: featureRows ?? null,
      };
      return { event: e, row };
    });
  }

  /** A re-sent eventId is a duplicate only with the same content (a retry); anything else is a conflict. */
  private onDuplicate(e: FeedbackEvent, row: EventInsertRow, origin: EventOrigin): void {
    const prev = this.existing.get(e.eventId) as EventRow;
    const stored = toStored(prev).event;
    // A retry without a timestamp was stamped with its own arrival time: compare the rest.
    const plain = (x: object) => JSON.parse(JSON.stringify(x)) as unknown;
    const same = isDeepStrictEqual(
      plain(e.timestamp === undefined ? { ...stored, timestamp: undefined } : stored),
      plain(e),
    );
    if (same) return;
    if (origin === 'server' && prev.origin === 'client') {
      this.replace.run(row);
      return;
    }
    throw new ChorusError(
      'CONFLICT',
      `event ${JSON.stringify(e.eventId)} was already logged with different content`,
      { eventId: e.eventId },
    );
  }

  /** Distinct trainable impressions of a collection for a spec version, and how many of them got a click. */
  trainability(collection: string, specVersion: number): Trainability {
    const row = this.db
      .prepare(
        `SELECT COUNT(DISTINCT i.query_id) AS imps,
           COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM events c WHERE c.query_id = i.query_id
             AND c.collection = i.collection AND c.type IN ('click', 'dwell', 'like', 'purchase')) THEN i.query_id END) AS clicked
         FROM events i WHERE i.collection = ? AND i.type = 'impression' AND i.feature_spec = ?`,
      )
      .get(collection, specVersion) as { imps: number; clicked: number };
    return { impressionsWithFeatures: row.imps, clickedImpressions: row.clicked };
  }

  /** Events matching `q`, oldest first (by seq). */
  query(q: EventQuery = {}): StoredEvent[] {
    const { sql, params } = this.select(q, q.limit ?? 10_000);
    return (this.db.prepare(sql).all(params) as EventRow[]).map((r) => toStored(r));
  }

  /**
   * The engine's own impressions (origin server) with the text they searched, newest first by timestamp, a page at a
   * time (`after`: the last row of the previous page): what query suggestions count. Pages walk the
   * (collection, type, ts) index backwards, so none sorts the log (paging by seq sorted every matching row per page);
   * the JSON is read by SQLite for the page's rows only.
   */
  loggedSearches(q: {
    collection: string;
    from: number;
    after?: Pick<LoggedSearchRow, 'ts' | 'seq'>;
    limit: number;
  }): LoggedSearchRow[] {
    const after = q.after ? 'AND (ts < @ts OR (ts = @ts AND seq < @seq))' : '';
    const sql = `SELECT seq, ts, userId, json_extract(body, '$.query') AS query,
        json_array_length(body, '$.items') AS shown, coalesce(json_extract(body, '$.items[0].position'), 0) AS first
      FROM (SELECT seq, ts, user_id AS userId, body FROM events INDEXED BY events_collection_type_ts
        WHERE collection = @collection AND type = 'impression' AND ts >= @from ${after} AND origin = 'server'
        ORDER BY ts DESC, seq DESC LIMIT @limit)
      ORDER BY ts DESC, seq DESC`;
    return this.db.prepare(sql).all({
      collection: q.collection,
      from: q.from,
      limit: Math.max(1, Math.floor(q.limit)),
      ...(q.after ? { ts: q.after.ts, seq: q.after.seq } : {}),
    }) as LoggedSearchRow[];
  }

  /** Streams events matching `q`, oldest first, without loading them all. */
  *iterate(q: EventQuery = {}): Generator<StoredEvent> {
    const { sql, params } = this.select(q, q.limit);
    for (const row of this.db.prepare(sql).iterate(params) as Iterable<EventRow>)
      yield toStored(row);
  }

  /**
   * Like `iterate` (but ordered by timestamp, then seq), for training-set builders: rows stored packed stay packed
   * (`featureRows`, no `event.features`),
   * so a big log is read without building millions of number arrays.
   */
  *iteratePacked(q: EventQuery = {}): Generator<StoredEvent> {
    // (ts, seq) is the collection index's own order: no sort of the whole log in a temp b-tree (gigabytes at 1M
    // clicks). Per query id, training keeps the same winner as in seq order (ties on ts stay in seq order).
    const { sql, params } = this.select(q, q.limit, 'ts, seq');
    for (const row of this.db.prepare(sql).iterate(params) as Iterable<EventRow>) {
      const stored = toStored(row, false);
      if (row.feature_rows) stored.featureRows = row.feature_rows;
      yield stored;
    }
  }

  /** Number of events matching `q` (limit and afterSeq apply as in query). */
  count(q: Omit<EventQuery, 'limit'> = {}): number {
    const { where, params } = whereClause(q);
    return (
      this.db.prepare(`SELECT COUNT(*) AS n FROM events ${where}`).get(params) as { n: number }
    ).n;
  }

  /** Whether an event with this id is stored. */
  has(eventId: string): boolean {
    return this.db.prepare('SELECT 1 FROM events WHERE event_id = ?').get(eventId) !== undefined;
  }

  /** The highest seq in the log (0 when empty). */
  lastSeq(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events').get() as { s: number })
      .s;
  }

  /**
   * Deletes the events received before `cutoff` (epoch ms), oldest first, in batches of `batch` (retention; see
   * event-prune.mjs) on this connection, flat out (the CLI's pass). Resolves with how many were removed. A server
   * runs its passes on the writer thread instead (OffThreadEventLog.pruneReceivedBefore).
   */
  pruneReceivedBefore(
    cutoff: number,
    o: { batch?: number; onBatch?: (deletedSoFar: number) => void } = {},
  ): Promise<number> {
    return prunePass(this.db, cutoff, { batch: o.batch ?? PRUNE_BATCH, onBatch: o.onBatch });
  }

  /**
   * Gives the file's free pages (left by pruning) back to the file system on this connection, flat out (the CLI's
   * pass). Resolves with the bytes given back; a server does this on its writer thread.
   */
  reclaimFreePages(): Promise<number> {
    return reclaimFreePages(this.db);
  }

  /** Deletes every event of a user (data deletion requests). Returns how many were removed. */
  deleteUser(userId: string): number {
    return this.db.prepare('DELETE FROM events WHERE user_id = ?').run(userId).changes;
  }

  private select(
    q: EventQuery,
    limit: number | undefined,
    order = 'seq',
  ): { sql: string; params: Record<string, unknown> } {
    const { where, params } = whereClause(q);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new ChorusError('VALIDATION', 'limit must be a positive integer');
    const lim = limit === undefined ? '' : ` LIMIT ${limit}`;
    const by = q.newestFirst ? 'seq DESC' : order;
    return {
      sql: `SELECT seq, received_at, body, origin, feature_spec, feature_rows FROM events ${where} ORDER BY ${by}${lim}`,
      params,
    };
  }
}

function whereClause(q: EventQuery): { where: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  const eq = (col: string, name: string, v: unknown) => {
    if (v === undefined) return;
    parts.push(`${col} = @${name}`);
    params[name] = v;
  };
  eq('collection', 'collection', q.collection);
  eq('user_id', 'userId', q.userId);
  eq('query_id', 'queryId', q.queryId);
  eq('item_id', 'itemId', q.itemId);
  if (q.from !== undefined) {
    parts.push('ts >= @from');
    params.from = q.from;
  }
  if (q.to !== undefined) {
    parts.push('ts < @to');
    params.to = q.to;
  }
  if (q.afterSeq !== undefined) {
    parts.push('seq > @afterSeq');
    params.afterSeq = q.afterSeq;
  }
  if (q.types?.length) {
    const names = q.types.map((t, i) => {
      params[`type${i}`] = t;
      return `@type${i}`;
    });
    parts.push(`type IN (${names.join(', ')})`);
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** A row as an event; packed rows are expanded back into `event.features` unless `expand` is false. */
function toStored(row: EventRow, expand = true): StoredEvent {
  const event = JSON.parse(row.body) as StoredEvent['event'];
  if (expand && row.feature_rows && event.type === 'impression') {
    const rows = unpackFeatureRows(row.feature_rows, event.items.length);
    // A damaged blob leaves the impression without rows (never trainable) rather than failing every read.
    if (typeof rows !== 'string') event.features = featuresFromPacked(rows, event.items);
  }
  return {
    seq: row.seq,
    receivedAt: row.received_at,
    event,
    origin: row.origin,
    featureSpec: row.feature_spec,
  };
}
