import { FEATURE_SPEC_VERSION } from '../../rerankers/features/index.js';
import type { ChorusDb } from '../storage/index.js';

/** The trainer's floor (rerankers/train-from-logs.ts): lists with served feature rows that got a click. */
export const MIN_CLICKED_IMPRESSIONS = 10;

export interface TrainabilityStatus {
  impressionsWithFeatures: number;
  clickedImpressions: number;
  needed: number;
  ready: boolean;
  reason?: string;
}

/**
 * Whether a train started now could succeed, and why not: counted from the trainable impressions the server
 * logged (client-sent feature rows that did not validate are not counted, as the trainer ignores them).
 */
export function trainability(db: ChorusDb, collection: string): TrainabilityStatus {
  const t = db.events.trainability(collection, FEATURE_SPEC_VERSION);
  const base = { ...t, needed: MIN_CLICKED_IMPRESSIONS };
  if (t.clickedImpressions >= MIN_CLICKED_IMPRESSIONS) return { ...base, ready: true };
  const reason =
    t.impressionsWithFeatures === 0
      ? 'no impressions with logged feature rows yet: serve searches (any ranker) and log clicks against their queryId'
      : `${t.clickedImpressions} of ${t.impressionsWithFeatures} logged impressions with feature rows have a click; training needs at least ${MIN_CLICKED_IMPRESSIONS}`;
  return { ...base, ready: false, reason };
}
