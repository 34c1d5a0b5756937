import { z } from 'zod';
import { ItemId } from './item.js';

/** One zod union of feedback events. Append-only, idempotent on eventId. */
const Base = z.object({
  eventId: z.string().min(1).max(128),
  collection: z.string().min(1).max(64),
  userId: z.string().min(1).max(128).optional(),
  queryId: z.string().min(1).max(128).optional(),
  /** Epoch milliseconds; the server fills it in when absent. */
  timestamp: z.number().int().nonnegative().optional(),
});

export const ImpressionEvent = Base.extend({
  type: z.literal('impression'),
  queryId: z.string().min(1).max(128),
  items: z
    .array(z.object({ id: ItemId, position: z.number().int().min(0) }).strict())
    .min(1)
    .max(1000),
  rankerVersion: z.string().max(128).default('unknown'),
  /** Feature rows as served, keyed by item id, so a model can be trained on exactly what was served. */
  features: z.record(z.string(), z.array(z.number()).max(4096)).optional(),
  /** Feature spec version the rows follow (the server logs it; client rows must match the running version to be trained on). */
  featureSpecVersion: z.number().int().positive().optional(),
  /** Set when the engine swapped adjacent results (randomised swap intervention). */
  swapped: z.array(z.number().int().min(0)).optional(),
}).strict();

export const ClickEvent = Base.extend({
  type: z.literal('click'),
  itemId: ItemId,
  position: z.number().int().min(0).optional(),
}).strict();
export const DwellEvent = Base.extend({
  type: z.literal('dwell'),
  itemId: ItemId,
  dwellMs: z.number().nonnegative(),
}).strict();
export const LikeEvent = Base.extend({ type: z.literal('like'), itemId: ItemId }).strict();
export const PurchaseEvent = Base.extend({ type: z.literal('purchase'), itemId: ItemId }).strict();
export const SkipEvent = Base.extend({ type: z.literal('skip'), itemId: ItemId }).strict();

export const FeedbackEvent = z.discriminatedUnion('type', [
  ImpressionEvent,
  ClickEvent,
  DwellEvent,
  LikeEvent,
  PurchaseEvent,
  SkipEvent,
]);
export type FeedbackEvent = z.infer<typeof FeedbackEvent>;
export type FeedbackEventInput = z.input<typeof FeedbackEvent>;
export type FeedbackType = FeedbackEvent['type'];

/** Engagement weight of each interaction for profiles and labels; negative pushes away. */
export const ENGAGEMENT_WEIGHT: Record<Exclude<FeedbackType, 'impression'>, number> = {
  click: 1,
  dwell: 1.5,
  like: 2,
  purchase: 3,
  skip: -0.5,
};
