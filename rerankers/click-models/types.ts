/** One shown list with its clicks: the unit every click model reads. */
export interface ClickSession {
  items: ShownItem[];
  /** Displayed positions k where the items at k and k+1 were swapped at random (randomised swap intervention). */
  swapped?: number[];
}

export interface ShownItem {
  /** 0-based displayed position. */
  position: number;
  clicked: boolean;
  /** Query-document key (e.g. `${queryId}\u0000${itemId}`): relevance is shared across sessions with the same key. */
  key: string;
  /** The feature row as served; lets regression-EM generalise relevance across query-document pairs. */
  features?: ArrayLike<number>;
}

/** Examination probability per displayed position (index 0 = top). */
export type Propensities = Float64Array;
