import type { FeedbackEvent } from './feedback.js';
import type { ProfileAccumulator } from './profile-math.js';

/** Who logged an event: the engine's own impression log (`server`, what training trusts) or a client. */
export type EventOrigin = 'server' | 'client';

/** An item's feedback counters. */
export interface ItemStats {
  impressions: number;
  clicks: number;
  engagement: number;
}

export interface IngestResult {
  accepted: number;
  /** Events whose id was already applied (idempotent replays). */
  duplicates: number;
}

/**
 * The serving state the engine reads per request (item counters, profiles, seen items) and the few writes it
 * makes itself (learned profiles, erasure); src/feedback/feedback-state.ts implements it.
 */
export interface FeedbackStatePort {
  /** Counters of the given items, position by position (undefined: no feedback yet). */
  itemStatsOf(collection: string, ids: readonly string[]): (ItemStats | undefined)[];
  profiles(collection: string, userId: string): Map<string, ProfileAccumulator>;
  seen(collection: string, userId: string): Set<string>;
  /** The items with the most engagement so far (positive only), most first (ties by id). */
  mostEngaged(collection: string, limit: number): { id: string; engagement: number }[];
  /** User -> items they engaged with or skipped (collaborative filtering). */
  interactions(collection: string): { userId: string; itemId: string; weight: number }[];
  /** Replaces one profile vector outright (a learned collaborative-filtering user factor). */
  setProfile(
    collection: string,
    userId: string,
    vectorName: string,
    vector: Float32Array,
    at: number,
  ): void;
  /** Forgets a user's profile and seen items. */
  deleteUser(userId: string): { profiles: number; seen: number };
  dropCollection(collection: string): void;
}

/** Applies feedback events: the durable log, then the serving state (src/feedback/ingest.ts). */
export type FeedbackIngest = (
  events: FeedbackEvent[],
  origin: EventOrigin,
) => Promise<IngestResult>;

/** The durable event log's part in erasing a user. */
export interface UserEventEraser {
  deleteUser(userId: string): Promise<unknown>;
}
