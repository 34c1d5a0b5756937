import { isDeepStrictEqual } from 'node:util';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { FeedbackEvent, type FeedbackEventInput, type FeedbackType } from '../domain/feedback.js';
import { ChorusError } from '../errors.js';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { checkFeatureRows, type FeatureRowShape } from '../feedback/feature-rows-check.js';

/** Who logged an event: the engine itself (served impressions) or a client over the API. */
export type EventOrigin = 'server' | 'client';

export interface AppendOptions {
  /** Arrival time (epoch ms); default now. */
  now?: number;
  /** Default 'client': only the engine's own impression log passes 'server'. */
  origin?: EventOrigin;
  /** Feature spec to validate impression rows against (default: the running one); trainable only when they do. */
  rowShape?: FeatureRowShape;
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
}

export interface AppendResult {
  /** Events newly written. */
  inserted: number;
  /** Events whose eventId was already stored (ignored: appends are idempotent on eventId). */
  duplicates: number;
}

interface EventRow {
  seq: number;
  received_at: number;
  body: string;
  origin: EventOrigin;
  feature_spec: number | null;
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
    this.insert = db.prepare(`INSERT OR IGNORE INTO events
      (event_id, collection, type, user_id, query_id, item_id, ts, received_at, body, origin, feature_spec)
      VALUES (@eventId, @collection, @type, @userId, @queryId, @itemId, @ts, @receivedAt, @body, @origin, @featureSpec)`);
    this.existing = db.prepare('SELECT body, origin FROM events WHERE event_id = ?');
    this.replace =
      db.prepare(`UPDATE events SET collection = @collection, type = @type, user_id = @userId,
      query_id = @queryId, item_id = @itemId, ts = @ts, received_at = @receivedAt, body = @body, origin = @origin,
      feature_spec = @featureSpec WHERE event_id = @eventId`);
  }

  /**
   * Validates and appends a batch in one transaction (all or nothing): when this returns, every event is durable.
   * Events without a timestamp get the arrival time. Throws VALIDATION naming the first bad event, and CONFLICT when
   * an eventId is already stored with different content; nothing is written then. A server-logged event wins over
   * a client one that took its id first (training reads the server's own log).
   */
  append(events: FeedbackEventInput[], opts: AppendOptions | number = {}): AppendResult {
    const o = typeof opts === 'number' ? { now: opts } : opts;
    const now = o.now ?? Date.now();
    const origin = o.origin ?? 'client';
    const shape = o.rowShape ?? FEATURE_ROW_SHAPE;
    const parsed = events.map((e, i) => {
      const r = FeedbackEvent.safeParse(e);
      if (!r.success) {
        const id = (e as { eventId?: unknown } | null)?.eventId;
        throw new ChorusError(
          'VALIDATION',
          `event #${i}${typeof id === 'string' ? ` (${id})` : ''}: ${z.prettifyError(r.error)}`,
          {
            index: i,
            issues: r.error.issues,
          },
        );
      }
      return r.data;
    });
    let inserted = 0;
    this.db
      .transaction(() => {
        for (const e of parsed) {
          const event = { ...e, timestamp: e.timestamp ?? now };
          const featureSpec =
            event.type === 'impression' && event.features && !checkFeatureRows(event, shape)
              ? shape.specVersion
              : null;
          const row = {
            eventId: event.eventId,
            collection: event.collection,
            type: event.type,
            userId: event.userId ?? null,
            queryId: event.queryId ?? null,
            itemId: 'itemId' in event ? event.itemId : null,
            ts: event.timestamp,
            receivedAt: now,
            body: JSON.stringify(event),
            origin,
            featureSpec,
          };
          const info = this.insert.run(row);
          inserted += info.changes;
          if (info.changes === 0) this.onDuplicate(e, row, origin);
        }
      })
      .immediate();
    return { inserted, duplicates: parsed.length - inserted };
  }

  /** A re-sent eventId is a duplicate only with the same content (a retry); anything else is a conflict. */
  private onDuplicate(e: FeedbackEvent, row: Record<string, unknown>, origin: EventOrigin): void {
    const prev = this.existing.get(e.eventId) as { body: string; origin: EventOrigin };
    const stored = JSON.parse(prev.body) as FeedbackEvent;
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
    return (this.db.prepare(sql).all(params) as EventRow[]).map(toStored);
  }

  /** Streams events matching `q`, oldest first, without loading them all (for training-set builders). */
  *iterate(q: EventQuery = {}): Generator<StoredEvent> {
    const { sql, params } = this.select(q, q.limit);
    for (const row of this.db.prepare(sql).iterate(params) as Iterable<EventRow>)
      yield toStored(row);
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

  /** Deletes every event of a user (data deletion requests). Returns how many were removed. */
  deleteUser(userId: string): number {
    return this.db.prepare('DELETE FROM events WHERE user_id = ?').run(userId).changes;
  }

  private select(
    q: EventQuery,
    limit: number | undefined,
  ): { sql: string; params: Record<string, unknown> } {
    const { where, params } = whereClause(q);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new ChorusError('VALIDATION', 'limit must be a positive integer');
    const lim = limit === undefined ? '' : ` LIMIT ${limit}`;
    return {
      sql: `SELECT seq, received_at, body, origin, feature_spec FROM events ${where} ORDER BY seq${lim}`,
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

function toStored(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    receivedAt: row.received_at,
    event: JSON.parse(row.body) as StoredEvent['event'],
    origin: row.origin,
    featureSpec: row.feature_spec,
  };
}
