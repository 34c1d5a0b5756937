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
  /**
   * The items with the most engagement (positive only), most first (ties by id): all time, or `trending`, each
   * engagement halved every TREND_HALF_LIFE_MS since it happened (the value as of now).
   */
  mostEngaged(
    collection: string,
    limit: number,
    order?: EngagementOrder,
  ): { id: string; engagement: number }[];
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

/** All-time engagement, or engagement decayed by its age (what is popular now). */
export type EngagementOrder = 'all-time' | 'trending';

/** Trending engagement halves every week. */
export const TREND_HALF_LIFE_MS = 7 * 86_400_000;
/**
 * Trend counters are stored as engagement x 2^((t - TREND_EPOCH_MS) / half-life): one running sum per item that
 * orders items by decayed engagement at any time (every item's sum scales by the same factor as time passes), with
 * no rewrite. The doubles hold ~1,000 half-lives past the epoch (about 19 years).
 */
export const TREND_EPOCH_MS = Date.UTC(2026, 0, 1);

/** What an engagement of `weight` at `at` adds to an item's trend counter. */
export function trendWeight(weight: number, at: number): number {
  return weight * 2 ** ((at - TREND_EPOCH_MS) / TREND_HALF_LIFE_MS);
}

/** A trend counter's value as of `now`: the decayed engagement. */
export function trendValue(counter: number, now: number): number {
  return counter * 2 ** (-(now - TREND_EPOCH_MS) / TREND_HALF_LIFE_MS);
}
