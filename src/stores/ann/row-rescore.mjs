// Exact re-scoring of graph matches from their f32 rows held in memory, and the i8 codes an i8 graph stores; shared
// by VectorIndex (this thread) and search-worker.mjs (worker threads load it without a TypeScript loader, hence
// plain JS; types in row-rescore.d.mts).
import { exactSearch } from 'usearch';

/** usearch pads short result lists with this key. */
const NO_KEY = 0xffffffffffffffffn;

/**
 * A re-scored graph is asked for at least this many candidates (usearch then widens its beam to as many): their
 * exact scores recover the true top 10 that a reduced-precision ranking misorders. At 100k x 512 clustered rows,
 * i8 graph, recall@10 after the re-score was 0.974 reading 100 candidates against 0.896 for the graph's own top 10
 * at the same beam (ef 64).
 */
export const RESCORE_MIN = 100;

/** How many candidates a re-scored graph of `size` rows is asked for when `want` are kept. */
export function rescoreFetch(want, size) {
  return Math.min(size, Math.max(want, RESCORE_MIN));
}

/**
 * The i8 code of each `dim`-wide row of `rows`, scaled per row so its largest component is +-127 (rounded). Only
 * for cosine: the per-row scale changes dot products and lengths but not angles. usearch's own f32->i8 cast
 * scales to unit length and truncates, which leaves a 512-d unit row ~6 levels per component.
 */
export function toI8(rows, dim) {
  const out = new Int8Array(rows.length);
  for (let at = 0; at < rows.length; at += dim) {
    let top = 0;
    for (let j = at; j < at + dim; j++) {
      const a = Math.abs(rows[j]);
      if (a > top) top = a;
    }
    if (!(top > 0)) continue; // zero (or NaN) row: all zeros
    const s = 127 / top;
    for (let j = at; j < at + dim; j++) out[j] = Math.round(rows[j] * s);
  }
  return out;
}

/** Gathered candidate rows (reused: one search at a time per thread). */
let scratch = new Float32Array(0);

/**
 * The matches of a graph that stores vectors at reduced precision (i8, f16), re-scored exactly against their f32
 * rows (`rows.chunks[c]` holds keys c*chunkRows.. as f32 rows of `dim`) by usearch's exact search (the same
 * distance the pending-row scan uses), best first, at most `keep`. The graph only chose the candidates. The cost is
 * mostly fetching the rows (~2 us per random 2 KB row from memory); the distances themselves are SIMD.
 */
export function rescore(matches, query, dim, metric, rows, keep) {
  const keys = [];
  for (const raw of matches.keys) {
    if (raw === NO_KEY) break;
    keys.push(Number(raw));
  }
  const m = Math.min(keep, keys.length);
  const outKeys = new BigUint64Array(m);
  const outDistances = new Float32Array(m);
  if (m === 0) return { keys: outKeys, distances: outDistances };
  if (scratch.length < keys.length * dim) scratch = new Float32Array(keys.length * dim);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const chunk = rows.chunks[Math.floor(key / rows.chunkRows)];
    if (!chunk) throw new Error(`exact rows: no row for key ${key}`);
    const at = (key % rows.chunkRows) * dim;
    scratch.set(chunk.subarray(at, at + dim), i * dim);
  }
  // exactSearch reads from the start of the ArrayBuffer (ignores byteOffset): both start there.
  const q = query.byteOffset === 0 ? query : query.slice();
  const res = exactSearch(scratch.subarray(0, keys.length * dim), q, dim, m, metric, 1);
  for (let i = 0; i < m; i++) {
    outKeys[i] = BigInt(keys[Number(res.keys[i])]);
    outDistances[i] = res.distances[i];
  }
  return { keys: outKeys, distances: outDistances };
}
