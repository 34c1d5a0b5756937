// The unit of learning-to-rank data: one logged impression joined with its interactions. Built from the event log
// (src/feedback/training-set.ts), read by the trainer and the promotion guard (rerankers/).

/** Reserved key of an impression's `features` holding the query-level features (rerankers/features writes it). */
export const QUERY_FEATURES_KEY = '__query__';

/** Graded labels from interactions: stronger engagement, higher grade. A skip cancels a click-less item only. */
export const LABEL_GRADES = { click: 1, dwell: 2, like: 3, purchase: 4 } as const;

export interface ClickthroughItem {
  id: string;
  position: number;
  /**
   * The feature row logged with the impression (exactly what was served). Read-only: impressions that logged
   * bit-identical packed rows share the same row objects (consumers may memo per list on that identity).
   */
  features: Float32Array;
  clicked: boolean;
  /** 0 none, 1 click, 2 long dwell, 3 like, 4 purchase. */
  label: number;
}

/** The unit of training data: one impression joined with its interactions. */
export interface Clickthrough {
  queryId: string;
  collection: string;
  userId?: string;
  rankerVersion: string;
  timestamp: number;
  queryFeatures?: Float32Array;
  items: ClickthroughItem[];
  swapped?: number[];
}

/** Impressions with clicks (and trainable rows) a fit needs; the trainer refuses below this. */
export const MIN_CLICKED_IMPRESSIONS = 10;
