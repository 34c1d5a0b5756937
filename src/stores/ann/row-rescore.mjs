// Exact re-scoring of graph matches from their f32 rows, shared by VectorIndex (this thread) and search-worker.mjs
// (worker threads load it without a TypeScript loader, hence plain JS; types in row-rescore.d.mts).
import { readSync } from 'node:fs';
import { exactSearch } from 'usearch';

/** usearch pads short result lists with this key. */
const NO_KEY = 0xffffffffffffffffn;

/**
 * The matches of a graph that stores vectors at reduced precision (f16), re-scored exactly: their f32 rows are
 * read by `readRows(keys, into)` (row i at i * dim) and measured against the query with the same exact distance
 * the pending-row scan uses, then sorted best first. The graph only chose the candidates.
 */
export function rescore(matches, query, dim, metric, readRows) {
  const keys = [];
  for (const raw of matches.keys) {
    if (raw === NO_KEY) break;
    keys.push(Number(raw));
  }
  const outKeys = new BigUint64Array(keys.length);
  const outDistances = new Float32Array(keys.length);
  if (keys.length === 0) return { keys: outKeys, distances: outDistances };
  const rows = new Float32Array(keys.length * dim);
  readRows(keys, rows);
  // exactSearch reads from the start of the ArrayBuffer (ignores byteOffset).
  const q = query.byteOffset === 0 ? query : query.slice();
  const res = exactSearch(rows, q, dim, keys.length, metric, 1);
  for (let i = 0; i < keys.length; i++) {
    outKeys[i] = BigInt(keys[Number(res.keys[i])]);
    outDistances[i] = res.distances[i];
  }
  return { keys: outKeys, distances: outDistances };
}

/** Reads the f32 rows of `keys` (each at key * dim floats in the file) into `into`, row i at i * dim. */
export function readRowsAt(fd, dim, keys, into) {
  const rowBytes = dim * 4;
  const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  for (let i = 0; i < keys.length; i++) {
    const n = readSync(fd, bytes, i * rowBytes, rowBytes, keys[i] * rowBytes);
    if (n !== rowBytes) throw new Error(`row file: no row for key ${keys[i]}`);
  }
}
