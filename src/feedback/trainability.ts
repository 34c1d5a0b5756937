import { MIN_CLICKED_IMPRESSIONS } from '../domain/clickthrough.js';
import type { Trainability } from '../storage/events-repo.js';

export interface TrainabilityStatus extends Trainability {
  /** The feature spec version counted (rows of other versions cannot train the running model). */
  featureSpecVersion: number;
  minClickedImpressions: number;
  ready: boolean;
  /** Why not, in a sentence a user can act on. */
  reason?: string;
}

/**
 * Whether a collection's log can train a model now: distinct queries whose impression has trainable rows for the
 * running spec (server-logged, or client rows that validated), and how many of them got a click, dwell, like or
 * purchase. The admin UI shows it before Train so a starved log is a warning, not a failed job.
 */
export function trainabilityStatus(
  events: { trainability(collection: string, specVersion: number): Trainability },
  collection: string,
  specVersion: number,
): TrainabilityStatus {
  const t = events.trainability(collection, specVersion);
  const base = {
    ...t,
    featureSpecVersion: specVersion,
    minClickedImpressions: MIN_CLICKED_IMPRESSIONS,
  };
  if (t.impressionsWithFeatures === 0) {
    return {
      ...base,
      ready: false,
      reason: `no impressions with feature rows (spec v${specVersion}) are logged for ${collection} yet: serve searches or recommendations (any ranker logs them) and send clicks with their queryId`,
    };
  }
  if (t.clickedImpressions < MIN_CLICKED_IMPRESSIONS) {
    return {
      ...base,
      ready: false,
      reason: `${t.clickedImpressions} of ${t.impressionsWithFeatures} logged impressions have clicks; training needs at least ${MIN_CLICKED_IMPRESSIONS}`,
    };
  }
  return { ...base, ready: true };
}
