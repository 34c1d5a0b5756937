import type Database from 'better-sqlite3';
import { z } from 'zod';
import { FeedbackEvent, type FeedbackEventInput, type FeedbackType } from '../domain/feedback.js';
import { ChorusError } from '../errors.js';

/** An event as stored: the validated event (timestamp always set) plus its log position and arrival time. */
export interface StoredEvent {
  /** Increasing position in the log (gaps possible); use it as a resume cursor with `afterSeq`. */
  seq: number;
  /** Epoch ms when the store accepted the event. */
  receivedAt: number;
  event: FeedbackEvent & { timestamp: number };
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
}

/**
 * The append-only feedback event log (impressions, clicks, dwell, likes, purchases, skips).
 * Appends are idempotent on eventId: re-sending an event (a retry) never counts it twice; the first copy wins.
 */
export class EventsRepo {
  private readonly insert: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`INSERT OR IGNORE INTO events
      (event_id, collection, type, user_id, query_id, item_id, ts, received_at, body)
      VALUES (@eventId, @collection, @type, @userId, @queryId, @itemId, @ts, @receivedAt, @body)`);
  }

  /**
   * Validates and appends a batch in one transaction (all or nothing): when this returns, every event is durable.
   * Events without a timestamp get the arrival time. Throws VALIDATION naming the first bad event; nothing is written then.
   */
  append(events: FeedbackEventInput[], now: number = Date.now()): AppendResult {
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
          const info = this.insert.run({
            eventId: event.eventId,
            collection: event.collection,
            type: event.type,
            userId: event.userId ?? null,
            queryId: event.queryId ?? null,
            itemId: 'itemId' in event ? event.itemId : null,
            ts: event.timestamp,
            receivedAt: now,
            body: JSON.stringify(event),
          });
          inserted += info.changes;
        }
      })
      .immediate();
    return { inserted, duplicates: parsed.length - inserted };
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
    return { sql: `SELECT seq, received_at, body FROM events ${where} ORDER BY seq${lim}`, params };
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
  };
}
