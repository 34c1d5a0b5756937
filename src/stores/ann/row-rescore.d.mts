import type { MetricKind } from 'usearch';

export interface Matches {
  keys: BigUint64Array;
  distances: Float32Array;
}

export function rescore(
  matches: Matches,
  query: Float32Array,
  dim: number,
  metric: MetricKind,
  readRows: (keys: number[], into: Float32Array) => void,
): Matches;

export function readRowsAt(fd: number, dim: number, keys: number[], into: Float32Array): void;
