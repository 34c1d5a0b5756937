import type { FeedbackEvent } from '../domain/feedback.js';
import type { ClickSession } from './click-models/types.js';
import type { EventOrigin } from './event-log.js';
import { rowInBounds } from './feature-rows-check.js';
import { unpackFeatureRows } from './packed-rows.js';

/** Reserved key of an impression's `features` holding the query-level features (same as rerankers/features). */
export const QUERY_FEATURES_KEY = '__query__';

/** Graded labels from interactions: stronger engagement, higher grade. A skip cancels a click-less item only. */
export const LABEL_GRADES = { click: 1, dwell: 2, like: 3, purchase: 4 } as const;

export interface ClickthroughItem {
  id: string;
  position: number;
  /** The feature row logged with the impression (exactly what was served). */
  features: Float32Array;
  clicked: boolean;
  /** 0 none, 1 click, 2 long dwell, 3 like, 4 purchase. */
  label: number;
}

/** The unit of training data: one impression joined with its interactions. */
export interface Clickthrough {
  queryId: string;
  collection: string;
  userId?: string;
  rankerVersion: string;
  timestamp: number;
  queryFeatures?: Float32Array;
  items: ClickthroughItem[];
  swapped?: number[];
}

export interface TrainingSetOptions {
  /** A dwell at least this long counts as a stronger label than a click. */
  longDwellMs?: number;
  /** Drop impressions without any interaction (they carry no pairwise signal for IPS training). */
  dropUnclicked?: boolean;
  /** Drop impressions whose feature rows are missing for a shown item (cannot be trained on without skew). */
  requireFeatures?: boolean;
  /** Filled with how many impressions were passed over because their rows were untrusted or invalid. */
  report?: { untrainable: number };
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
  /** Rows trusted and in bounds: each shown item's row and the query row, views into one Float32Array. */
  rows?: Map<string, Float32Array>;
  query?: Float32Array;
}

/**
 * Packs an impression's usable rows into one Float32Array as soon as it is read, so a big log is held as compact
 * float32 rows rather than parsed JSON arrays (several times the memory, and the garbage collector's time).
 */
function compact(
  e: Impression,
  origin: EventOrigin,
  trusted: boolean | undefined,
  packed: Uint8Array | undefined,
): LoggedImpression {
  const { features, ...imp } = e;
  const out: LoggedImpression = {
    imp,
    origin,
    trusted,
    hadFeatures: features !== undefined || packed !== undefined,
  };
  if (packed) {
    if (trusted !== false) unpacked(out, packed);
    return out;
  }
  if (!features || trusted === false || !rowsUsable(e)) return out;
  let size = 0;
  for (const shown of e.items) size += features[shown.id]?.length ?? 0;
  const q = features[QUERY_FEATURES_KEY];
  const buf = new Float32Array(size + (q?.length ?? 0));
  let at = 0;
  out.rows = new Map();
  for (const shown of e.items) {
    const row = features[shown.id];
    if (!row || out.rows.has(shown.id)) continue;
    buf.set(row, at);
    out.rows.set(shown.id, buf.subarray(at, (at += row.length)));
  }
  if (q) {
    buf.set(q, at);
    out.query = buf.subarray(at, at + q.length);
  }
  return out;
}

/** Rows from the log's packed blob: used only when well-formed and every value finite and in bounds. */
function unpacked(out: LoggedImpression, blob: Uint8Array): void {
  const rows = unpackFeatureRows(blob, out.imp.items.length);
  if (typeof rows === 'string' || !rowInBounds(rows.values)) return;
  if (rows.query && !rowInBounds(rows.query)) return;
  out.rows = new Map();
  out.imp.items.forEach((shown, i) => {
    if (!out.rows!.has(shown.id))
      out.rows!.set(shown.id, rows.values.subarray(i * rows.width, (i + 1) * rows.width));
  });
  out.query = rows.query;
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
  const impressions = new Map<string, LoggedImpression[]>();
  const labels = new Map<string, Map<string, { label: number; clicked: boolean }>>();
  const seen = new Set<string>();
  for (const x of events) {
    const logged = 'event' in x ? x : undefined;
    const e = logged ? logged.event : (x as FeedbackEvent);
    if (seen.has(e.eventId)) continue; // idempotent on event id
    seen.add(e.eventId);
    if (e.type === 'impression') {
      const list = impressions.get(e.queryId) ?? [];
      list.push(
        compact(
          e,
          logged?.origin ?? 'client',
          logged ? logged.origin === 'server' || logged.featureSpec !== null : undefined,
          logged?.featureRows,
        ),
      );
      impressions.set(e.queryId, list);
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
  for (const [queryId, imps] of impressions) {
    // The server's own log wins over anything a client sent under the same query id; among equals, the latest
    // impression (pagination, refresh) is what the user acted on.
    const pick = imps.reduce((a, b) => (rankOf(b) >= rankOf(a) ? b : a));
    const imp = pick.imp;
    const usable = pick.rows !== undefined;
    if (pick.hadFeatures && !usable && opts.report) opts.report.untrainable++;
    const perQuery = labels.get(queryId);
    const items: ClickthroughItem[] = [];
    let complete = true;
    for (const shown of imp.items) {
      const row = pick.rows?.get(shown.id);
      if (!row) {
        complete = false;
        continue;
      }
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
  return out.sort((a, b) => a.timestamp - b.timestamp || (a.queryId < b.queryId ? -1 : 1));
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

/** Click-model view of clickthroughs (relevance keyed by query id + item id). */
export function toClickSessions(cts: readonly Clickthrough[]): ClickSession[] {
  return cts.map((c) => ({
    swapped: c.swapped,
    items: c.items.map((i) => ({
      position: i.position,
      clicked: i.clicked,
      key: `${c.queryId}\u0000${i.id}`,
      features: i.features,
    })),
  }));
}
