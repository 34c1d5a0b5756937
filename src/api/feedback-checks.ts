import { CollectionName } from '../domain/collection.js';
import { SERVER_EVENT_ID_PREFIX, type FeedbackEvent } from '../domain/feedback.js';
import type { Engine } from '../engine/engine.js';
import { ChorusError } from '../errors.js';

/** Earliest event time accepted (2000-01-01T00:00:00Z): older stamps are bugs or attempts to skew time windows. */
export const EARLIEST_EVENT_MS = Date.UTC(2000, 0, 1);
/** How far ahead of the server's clock an event may be stamped (client clock skew), in ms. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * Checks a client's feedback batch before anything is written: every collection exists (404 otherwise, so events
 * cannot pile up under names like "../../etc"), timestamps lie between 2000 and one day past now, and no event id
 * uses the prefix of the engine's own impressions (400).
 */
export async function checkClientFeedback(
  engine: Pick<Engine, 'getCollection'>,
  events: readonly FeedbackEvent[],
  now: number = Date.now(),
): Promise<void> {
  events.forEach((e, i) => {
    if (e.eventId.startsWith(SERVER_EVENT_ID_PREFIX))
      throw new ChorusError(
        'VALIDATION',
        `event #${i} (${e.eventId}): event ids starting with "${SERVER_EVENT_ID_PREFIX}" are reserved for the impressions the engine logs itself`,
        { index: i, eventId: e.eventId },
      );
    if (e.timestamp === undefined) return;
    if (e.timestamp < EARLIEST_EVENT_MS || e.timestamp > now + MAX_FUTURE_SKEW_MS) {
      throw new ChorusError(
        'VALIDATION',
        `event #${i} (${e.eventId}): timestamp ${e.timestamp} is outside the accepted range (2000-01-01 to one day from now, epoch ms)`,
        {
          index: i,
          eventId: e.eventId,
          earliest: EARLIEST_EVENT_MS,
          latest: now + MAX_FUTURE_SKEW_MS,
        },
      );
    }
  });
  for (const name of new Set(events.map((e) => e.collection))) {
    // A name no collection can have is not looked up in the store at all.
    if (!CollectionName.safeParse(name).success)
      throw new ChorusError(
        'COLLECTION_NOT_FOUND',
        `collection ${JSON.stringify(name)} does not exist`,
      );
    await engine.getCollection(name);
  }
}
