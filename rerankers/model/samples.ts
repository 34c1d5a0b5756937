/** One training list: the rows served together, their targets, and (for IPS) where each was shown. */
export interface TrainList {
  n: number;
  /** [n x F] row-major. */
  rows: Float32Array;
  query?: Float32Array;
  /** Target per item: a click (0/1), an engagement grade, or a true relevance label. */
  relevance: Float32Array;
  /** Displayed positions (0-based); with propensities they give each click's IPS weight. */
  positions?: Int32Array;
}

/** A judged list for validation and evaluation: true graded labels. */
export interface EvalList {
  n: number;
  rows: Float32Array;
  query?: Float32Array;
  labels: Float32Array;
}

/** Packs per-item rows (as served and logged) into one list. */
export function packRows(rows: readonly ArrayLike<number>[]): Float32Array {
  const F = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * F);
  rows.forEach((r, i) => out.set(Array.from(r), i * F));
  return out;
}
