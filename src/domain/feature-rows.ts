import { QUERY_FEATURES_KEY } from './clickthrough.js';
import type { FeedbackEvent } from './feedback.js';

/** Largest |value| a logged feature may hold; the server's own features are O(1), so anything past this is hostile. */
export const FEATURE_VALUE_BOUND = 1e6;

/** What a trainable feature row looks like for the running feature spec (supplied by the composition root). */
export interface FeatureRowShape {
  specVersion: number;
  /** Values per item row. */
  item: number;
  /** Values in the query row (`__query__`). */
  query: number;
}

type Impression = Extract<FeedbackEvent, { type: 'impression' }>;

/**
 * Whether an impression's feature rows may be trained on: a row for every shown item, the right length for the
 * spec version, every value finite and within ±FEATURE_VALUE_BOUND. Returns the reason when not.
 * Without a shape (a caller that does not know the spec) lengths are only checked for consistency.
 */
export function checkFeatureRows(imp: Impression, shape?: FeatureRowShape): string | undefined {
  const f = imp.features;
  if (!f) return 'no feature rows';
  if (
    shape &&
    imp.featureSpecVersion !== undefined &&
    imp.featureSpecVersion !== shape.specVersion
  ) {
    return `feature spec version ${imp.featureSpecVersion} is not the running version ${shape.specVersion}`;
  }
  let width = shape?.item;
  for (const shown of imp.items) {
    const row = f[shown.id];
    if (!row) return `no feature row for item ${JSON.stringify(shown.id)}`;
    width ??= row.length;
    if (row.length !== width || width === 0)
      return `feature row of item ${JSON.stringify(shown.id)} has ${row.length} values, expected ${width}`;
    if (!rowInBounds(row))
      return `feature row of item ${JSON.stringify(shown.id)} has a non-finite or out-of-bounds value`;
  }
  const q = f[QUERY_FEATURES_KEY];
  if (q) {
    if (shape && q.length !== shape.query)
      return `query feature row has ${q.length} values, expected ${shape.query}`;
    if (!rowInBounds(q)) return 'query feature row has a non-finite or out-of-bounds value';
  }
  return undefined;
}

export function rowInBounds(row: ArrayLike<number>): boolean {
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    // NaN fails both comparisons; so does ±Infinity the first.
    if (!(v <= FEATURE_VALUE_BOUND && v >= -FEATURE_VALUE_BOUND)) return false;
  }
  return true;
}
