import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import type { FeedbackEventInput } from '../../src/domain/feedback.js';
import { QUERY_FEATURES_KEY } from '../../src/domain/clickthrough.js';

/** Feature rows of the running spec for a query and its shown ids, each row drawn by `row(width)`. */
export function featureRows(ids: readonly string[], row: (n: number) => number[]) {
  const features: Record<string, number[]> = { [QUERY_FEATURES_KEY]: row(FEATURE_ROW_SHAPE.query) };
  for (const id of ids) features[id] = row(FEATURE_ROW_SHAPE.item);
  return features;
}

/** An RRF-ranked impression of `ids` in collection 'c', with rows of the running feature spec. */
export function impressionEvent(
  queryId: string,
  ids: readonly string[],
  features: Record<string, number[]>,
  extra: { timestamp: number; userId?: string },
): FeedbackEventInput {
  return {
    type: 'impression',
    eventId: `imp_${queryId}`,
    collection: 'c',
    queryId,
    ...(extra.userId !== undefined ? { userId: extra.userId } : {}),
    items: ids.map((id, position) => ({ id, position })),
    rankerVersion: 'rrf',
    features,
    featureSpecVersion: FEATURE_ROW_SHAPE.specVersion,
    timestamp: extra.timestamp,
  };
}
