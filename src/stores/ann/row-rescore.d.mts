import type { MetricKind } from 'usearch';

/** A search's matches, best first: numeric keys and their distances (usearch units). */
export interface Matches {
  keys: Float64Array;
  distances: Float32Array;
}

/** A usearch result as it comes from `search` / `exactSearch`. */
export interface RawMatches {
  keys: BigUint64Array;
  distances: Float32Array;
}

/** Exact f32 rows by key: `chunks[c]` holds keys c * chunkRows .. (c + 1) * chunkRows - 1. */
export interface RowsView {
  chunkRows: number;
  chunks: readonly (Float32Array | undefined)[];
}

export function rescoreFetch(want: number, size: number, ef: number): number;

export function toI8(rows: Float32Array, dim: number): Int8Array;

export function matchKeys(raw: BigUint64Array): Float64Array;

export function toMatches(res: RawMatches): Matches;

export function scoreRows(
  n: number,
  copyRow: (i: number, into: Float32Array, at: number) => boolean,
  query: Float32Array,
  dim: number,
  metric: MetricKind,
  keep: number,
): { positions: Float64Array; distances: Float32Array } | undefined;

export function rescore(
  res: RawMatches,
  query: Float32Array,
  dim: number,
  metric: MetricKind,
  rows: RowsView,
  keep: number,
): Matches;
