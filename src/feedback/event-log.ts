import type { FeedbackEvent } from '../domain/feedback.js';

/**
 * What the engine needs from the durable event store (H1's SQLite events repository implements it;
 * src/app adapts it). Append is idempotent on eventId.
 */
export interface FeedbackEventLog {
  append(events: FeedbackEvent[]): Promise<unknown> | unknown;
  deleteUser(userId: string): Promise<unknown> | unknown;
}
