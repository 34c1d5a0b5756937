import {
  LABEL_GRADES,
  QUERY_FEATURES_KEY,
  type Clickthrough,
  type ClickthroughItem,
} from '../domain/clickthrough.js';
import type { FeedbackEvent } from '../domain/feedback.js';
import type { EventOrigin } from './event-log.js';
import { rowInBounds } from '../domain/feature-rows.js';
import { unpackFeatureRows } from './packed-rows.js';
import { SharedRows, sharedItemRows, type SharedRowsEntry } from './shared-rows.js';

export interface TrainingSetOptions {
  /** A dwell at least this long counts as a stronger label than a click. */
  longDwellMs?: number;
  /** Drop impressions without any interaction (they carry no pairwise signal for IPS training). */
  dropUnclicked?: boolean;
  /** Drop impressions whose feature rows are missing for a shown item (cannot be trained on without skew). */
  requireFeatures?: boolean;
  /** Filled with how many impressions were passed over because their rows were untrusted or invalid. */
  report?: { untrainable: number };
  /**
   * The events come from a log that stores each eventId once (the SQLite event log): skip the duplicate check, which
   * would hold every id of a big log in a Set.
   */
  eventIdsUnique?: boolean;
}

/** An event as the log stored it: who logged it, and the spec its rows validated against (null: untrainable). */
export interface LoggedEvent {
  event: FeedbackEvent;
  origin: EventOrigin;
  featureSpec: number | null;
  /** The rows as the log stored them packed (src/feedback/packed-rows.ts), instead of `event.features`. */
  featureRows?: Uint8Array;
}

type Impression = Extract<FeedbackEvent, { type: 'impression' }>;
interface LoggedImpression {
  /** The impression without its feature rows (they are kept packed below, not as JSON number arrays). */
  imp: Impression;
  origin: EventOrigin;
  /** The log validated its rows (server-logged, or client rows that passed validation). Unknown for plain events. */
  trusted?: boolean;
  hadFeatures: boolean;
  /**
   * Rows trusted and in bounds, by shown index: item i's row is `values[i * width, (i + 1) * width)`; rows a JSON
   * log lacks are listed in `missing`.
   */
  rows?: { values: Float32Array; width: number; missing?: Set<number> };
  query?: Float32Array;
  /** Packed rows bit-identical to other impressions' (decoded once, row objects shared). */
  shared?: SharedRowsEntry;
}

/**
 * Rows of a big log are carved out of shared Float32Array chunks (growing to 4 MB) instead of one small buffer per
 * impression: hundreds of thousands of small buffers cost the garbage collector more than the read itself.
 */
class RowArena {
  private chunk = new Float32Array(0);
  private at = 0;
  private next = 1 << 14;

  alloc(n: number): Float32Array {
    if (n > 1 << 18) return new Float32Array(n);
    if (this.at + n > this.chunk.length) {
      this.chunk = new Float32Array(Math.max(n, this.next));
      this.next = Math.min(this.next * 2, 1 << 20);
      this.at = 0;
    }
    return this.chunk.subarray(this.at, (this.at += n));
  }
}

/**
 * Packs an impression's usable rows into float32 as soon as it is read, so a big log is held as compact rows rather
 * than parsed JSON arrays (several times the memory, and the garbage collector's time). Packed log rows are decoded
 * straight from their blob.
 */
function compact(
  e: Impression,
  origin: EventOrigin,
  trusted: boolean | undefined,
  packed: Uint8Array | undefined,
  arena: RowArena,
  shared: SharedRows,
): LoggedImpression {
  const { features, ...imp } = e;
  const out: LoggedImpression = {
    imp,
    origin,
    trusted,
    hadFeatures: features !== undefined || packed !== undefined,
  };
  if (packed) {
    if (trusted !== false) unpacked(out, packed, arena, shared);
    return out;
  }
  if (!features || trusted === false || !rowsUsable(e)) return out;
  const n = e.items.length;
  let width = 0;
  for (const shown of e.items) {
    const row = features[shown.id];
    if (row) {
      width = row.length;
      break;
    }
  }
  const q = features[QUERY_FEATURES_KEY];
  const buf = arena.alloc(n * width + (q?.length ?? 0));
  const missing = new Set<number>();
  e.items.forEach((shown, i) => {
    const row = features[shown.id];
    if (row) buf.set(row, i * width);
    else missing.add(i);
  });
  out.rows = { values: buf.subarray(0, n * width), width, ...(missing.size ? { missing } : {}) };
  if (q) {
    buf.set(q, n * width);
    out.query = buf.subarray(n * width);
  }
  return out;
}

/**
 * Rows from the log's packed blob: used only when well-formed and every value finite and in bounds. Bytes already
 * decoded for an earlier impression (checked exactly) share that impression's rows.
 */
function unpacked(
  out: LoggedImpression,
  blob: Uint8Array,
  arena: RowArena,
  shared: SharedRows,
): void {
  const items = out.imp.items.length;
  let entry = shared.find(blob);
  if (!entry || entry.values.length !== items * entry.width) {
    const rows = unpackFeatureRows(blob, items, (n) => arena.alloc(n));
    if (typeof rows === 'string' || !rowInBounds(rows.values)) return;
    if (rows.query && !rowInBounds(rows.query)) return;
    entry = shared.remember(blob, rows);
  }
  out.rows = { values: entry.values, width: entry.width };
  out.query = entry.query;
  out.shared = entry;
}

/**
 * Joins impressions with the clicks, dwells, likes and purchases that share their query id.
 * Interactions without an impression, and impressions without logged features, are skipped: the model only
 * trains on rows that were actually served. Rows come from the server's own impression log when it has one for
 * the query id; a client-sent impression counts only when the log marked its rows trainable. Every row used is
 * re-checked (finite, within ±1e6, one width per list), whatever its origin. Plain events (no log envelope) are
 * treated as client-sent rows that are checked here.
 */
export function buildClickthroughs(
  events: Iterable<FeedbackEvent | LoggedEvent>,
  opts: TrainingSetOptions = {},
): Clickthrough[] {
  const longDwell = opts.longDwellMs ?? 30_000;
  const requireFeatures = opts.requireFeatures ?? true;
  // Per query id, the impression training will use: the server's own log wins over anything a client sent under the
  // same query id; among equals, the latest impression (pagination, refresh) is what the user acted on.
  const impressions = new Map<string, LoggedImpression>();
  const labels = new Map<string, Map<string, { label: number; clicked: boolean }>>();
  const seen = opts.eventIdsUnique ? undefined : new Set<string>();
  const arena = new RowArena();
  const shared = new SharedRows();
  for (const x of events) {
    const logged = 'event' in x ? x : undefined;
    const e = logged ? logged.event : (x as FeedbackEvent);
    if (seen) {
      if (seen.has(e.eventId)) continue; // idempotent on event id
      seen.add(e.eventId);
    }
    if (e.type === 'impression') {
      const imp = compact(
        e,
        logged?.origin ?? 'client',
        logged ? logged.origin === 'server' || logged.featureSpec !== null : undefined,
        logged?.featureRows,
        arena,
        shared,
      );
      const prev = impressions.get(e.queryId);
      if (!prev || rankOf(imp) >= rankOf(prev)) impressions.set(e.queryId, imp);
      continue;
    }
    if (!e.queryId) continue;
    let grade = 0;
    if (e.type === 'click') grade = LABEL_GRADES.click;
    else if (e.type === 'dwell')
      grade = e.dwellMs >= longDwell ? LABEL_GRADES.dwell : LABEL_GRADES.click;
    else if (e.type === 'like') grade = LABEL_GRADES.like;
    else if (e.type === 'purchase') grade = LABEL_GRADES.purchase;
    const perQuery =
      labels.get(e.queryId) ?? new Map<string, { label: number; clicked: boolean }>();
    const cur = perQuery.get(e.itemId) ?? { label: 0, clicked: false };
    if (e.type !== 'skip')
      perQuery.set(e.itemId, { label: Math.max(cur.label, grade), clicked: true });
    else perQuery.set(e.itemId, cur);
    labels.set(e.queryId, perQuery);
  }

  const out: Clickthrough[] = [];
  for (const [queryId, pick] of impressions) {
    const imp = pick.imp;
    const rows = pick.rows;
    if (pick.hadFeatures && !rows && opts.report) opts.report.untrainable++;
    const perQuery = labels.get(queryId);
    const items: ClickthroughItem[] = [];
    const sharedRows = pick.shared && sharedItemRows(pick.shared, imp.items.length);
    let complete = true;
    for (let i = 0; i < imp.items.length; i++) {
      const shown = imp.items[i]!;
      if (!rows || rows.missing?.has(i)) {
        complete = false;
        continue;
      }
      const row = sharedRows
        ? sharedRows[i]!
        : rows.values.subarray(i * rows.width, (i + 1) * rows.width);
      const l = perQuery?.get(shown.id);
      items.push({
        id: shown.id,
        position: shown.position,
        features: row,
        clicked: l?.clicked ?? false,
        label: l?.label ?? 0,
      });
    }
    if (requireFeatures && !complete) continue;
    if (items.length === 0) continue;
    if (opts.dropUnclicked && !items.some((i) => i.clicked)) continue;
    const q = pick.query;
    out.push({
      queryId,
      collection: imp.collection,
      userId: imp.userId,
      rankerVersion: imp.rankerVersion,
      timestamp: imp.timestamp ?? 0,
      queryFeatures: q,
      items: items.sort((a, b) => a.position - b.position),
      swapped: imp.swapped,
    });
  }
  // Oldest first; equal timestamps (several searches in one millisecond) keep the log's order. Query ids are random:
  // ordering ties by them made the trainer's query splits, and so the model, differ between identical runs.
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

function rankOf(l: LoggedImpression): number {
  // Server origin first, then timestamp: encode as one comparable number (timestamps are < 2^53 / 2).
  return (l.origin === 'server' ? 2 ** 52 : 0) + Math.min(l.imp.timestamp ?? 0, 2 ** 51);
}

/** Every row finite and bounded, and every item row the same width (the trainer re-checks the spec's width). */
function rowsUsable(imp: Impression): boolean {
  if (!imp.features) return false;
  let width: number | undefined;
  for (const shown of imp.items) {
    const row = imp.features[shown.id];
    if (!row) continue;
    width ??= row.length;
    if (row.length !== width || !rowInBounds(row)) return false;
  }
  const q = imp.features[QUERY_FEATURES_KEY];
  return !q || rowInBounds(q);
}

/**
 * The clickthroughs of the impressions whose query id `keep` accepts, and of their interactions: the promotion
 * guard re-reads its held-out queries this way.
 */
export function clickthroughsOfQueries(
  events: Iterable<FeedbackEvent | LoggedEvent>,
  keep: (queryId: string) => boolean,
  opts: TrainingSetOptions = {},
): Clickthrough[] {
  return buildClickthroughs(
    (function* () {
      for (const x of events) {
        const e = 'event' in x ? x.event : x;
        if (e.queryId && keep(e.queryId)) yield x;
      }
    })(),
    opts,
  );
}
