import type { FeedbackEvent } from '../domain/feedback.js';
import type { FeatureRowShape } from '../domain/feature-rows.js';
import type { EventOrigin } from '../domain/feedback-port.js';

export type { EventOrigin };

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
