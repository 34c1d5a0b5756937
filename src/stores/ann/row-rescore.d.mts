import type { MetricKind } from 'usearch';

export interface Matches {
  keys: BigUint64Array;
  distances: Float32Array;
}

/** Exact f32 rows by key: `chunks[c]` holds keys c * chunkRows .. (c + 1) * chunkRows - 1. */
export interface RowsView {
  chunkRows: number;
  chunks: readonly (Float32Array | undefined)[];
}

export const RESCORE_MIN: number;

export function rescoreFetch(want: number, size: number): number;

export function toI8(rows: Float32Array, dim: number): Int8Array;

export function rescore(
  matches: Matches,
  query: Float32Array,
  dim: number,
  metric: MetricKind,
  rows: RowsView,
  keep: number,
): Matches;
