import { ENGAGEMENT_WEIGHT, type FeedbackEvent } from '../domain/feedback.js';
import type { FeedbackIngest, IngestResult } from '../domain/feedback-port.js';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import type { VectorStore } from '../stores/vector-store.js';
import type { EventOrigin, FeedbackEventLog } from './event-log.js';
import type { FeatureRowShape } from '../domain/feature-rows.js';
import type { FeedbackState } from './feedback-state.js';

export type { IngestResult };

export interface IngestDeps {
  store: VectorStore;
  state: FeedbackState;
  events?: FeedbackEventLog;
  halfLifeMs?: number;
  now?: () => number;
  /** The running feature spec: impressions whose rows validate against it are marked trainable. */
  rowShape?: FeatureRowShape;
}

/**
 * Applies feedback: appends to the durable event log, then updates serving state once per event id —
 * item counters (impressions, clicks, engagement), the user's seen set, and the user's profile vectors
 * (engaged items pulled in, skipped ones pushed away), so the very next request reflects the event.
 */
export async function ingestFeedback(
  deps: IngestDeps,
  input: FeedbackEvent[],
  origin: EventOrigin = 'client',
): Promise<IngestResult> {
  const now = (deps.now ?? Date.now)();
  const events = input.map((e) => ({ ...e, timestamp: e.timestamp ?? now }) as FeedbackEvent);
  // The log gets the events as sent (it stamps missing timestamps with `now` itself), so a retry of an unstamped
  // event is recognised as the same event.
  if (deps.events) await deps.events.append(input, { origin, rowShape: deps.rowShape, now });

  // Vectors of the items users interacted with, fetched before the (synchronous) state transaction.
  const wanted = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type === 'impression' || !e.userId) continue;
    if (!wanted.has(e.collection)) wanted.set(e.collection, new Set());
    wanted.get(e.collection)!.add(e.itemId);
  }
  const vectors = new Map<string, Record<string, Float32Array>>();
  for (const [collection, ids] of wanted) {
    try {
      for (const item of await deps.store.get(collection, [...ids], { withVectors: true }))
        vectors.set(`${collection}\u0000${item.id}`, item.vectors);
    } catch {
      // An unknown collection still gets its events logged; there is just no profile to move.
    }
  }

  // One transaction for the whole series (each event still applies all or nothing, once): a failing event stops
  // the series as before, and the ones before it stay applied.
  let accepted = 0;
  const failed = deps.state.batch((): { error: unknown } | undefined => {
    for (const e of events) {
      try {
        if (applyEvent(deps, e, vectors, origin)) accepted++;
      } catch (error) {
        return { error };
      }
    }
    return undefined;
  });
  if (failed) throw failed.error;
  return { accepted, duplicates: events.length - accepted };
}

/**
 * The engine's ingest port (FeedbackIngest) over these deps; impressions' feature rows are checked against the
 * running feature spec unless `rowShape` says otherwise.
 */
export function feedbackIngest(deps: IngestDeps): FeedbackIngest {
  const withShape: IngestDeps = { rowShape: FEATURE_ROW_SHAPE, ...deps };
  return (events, origin) => ingestFeedback(withShape, events, origin);
}

/**
 * Applies one event to the serving state unless its id was applied before; returns whether it ran. The engine's own
 * events (origin 'server': a fresh random id each, ingested once) are applied without recording the id.
 */
function applyEvent(
  deps: IngestDeps,
  e: FeedbackEvent,
  vectors: Map<string, Record<string, Float32Array>>,
  origin: EventOrigin,
): boolean {
  const apply = () => {
    const at = e.timestamp!;
    if (e.type === 'impression') {
      for (const item of e.items) deps.state.bumpStats(e.collection, item.id, { impressions: 1 });
      return;
    }
    const weight = ENGAGEMENT_WEIGHT[e.type];
    deps.state.bumpStats(
      e.collection,
      e.itemId,
      { clicks: e.type === 'click' ? 1 : 0, engagement: Math.max(0, weight) },
      at,
    );
    if (!e.userId) return;
    deps.state.markSeen(e.collection, e.userId, e.itemId, at, weight);
    const v = vectors.get(`${e.collection}\u0000${e.itemId}`);
    if (v) deps.state.foldIntoProfile(e.collection, e.userId, v, weight, at, deps.halfLifeMs);
  };
  if (origin !== 'server') return deps.state.applyOnce(e.eventId, apply);
  deps.state.applyUnrecorded(apply);
  return true;
}
