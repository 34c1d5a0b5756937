import type { FeedbackEvent } from '../domain/feedback.js';
import type { FeatureRowShape } from '../domain/feature-rows.js';

/** Who logged an event: the engine itself (served impressions, trusted rows) or a client over the API. */
export type EventOrigin = 'server' | 'client';

/**
 * What the engine needs from the durable event store (H1's SQLite events repository implements it;
 * src/app adapts it). Append is idempotent on eventId.
 */
export interface FeedbackEventLog {
  append(
    events: FeedbackEvent[],
    opts?: { origin?: EventOrigin; rowShape?: FeatureRowShape; now?: number },
  ): Promise<unknown> | unknown;
  deleteUser(userId: string): Promise<unknown> | unknown;
}
