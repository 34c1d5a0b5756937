// Exact re-scoring of graph matches from their f32 rows held in memory, and the i8 codes an i8 graph stores; shared
// by VectorIndex (this thread) and search-worker.mjs (worker threads load it without a TypeScript loader, hence
// plain JS; types in row-rescore.d.mts).
import { exactSearch } from 'usearch';

/** Whether this machine stores integers little-endian (x86, arm64): then a key's low half comes first. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The keys of a usearch result as plain numbers, cut at the first padding key (usearch pads short lists with
 * 2^64 - 1). Read as two 32-bit halves: a BigInt per key (Number(raw), BigInt(key)) cost more than the rest of a
 * re-score. Keys are counters (KeyMap), so they stay far below 2^53.
 */
export function matchKeys(raw) {
  const halves = new Uint32Array(raw.buffer, raw.byteOffset, raw.length * 2);
  const [lo, hi] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  let n = 0;
  while (n < raw.length && !(halves[2 * n] === 0xffffffff && halves[2 * n + 1] === 0xffffffff)) n++;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = halves[2 * i + hi] * 4294967296 + halves[2 * i + lo];
  return keys;
}

/** A usearch result as matches: numeric keys (padding cut) and their distances. */
export function toMatches(res) {
  const keys = matchKeys(res.keys);
  return { keys, distances: res.distances.subarray(0, keys.length) };
}

/**
 * How many candidates a re-scored graph of `size` rows is asked for when `want` are kept: at least its beam `ef`.
 * usearch widens the beam to the count asked, so asking fewer than the beam would throw away candidates the walk
 * found anyway; their exact scores recover the true top 10 that a reduced-precision ranking misorders (100k x 512
 * clustered rows, i8 graph: recall@10 0.974 re-scoring 100 candidates against 0.896 for the graph's own top 10 at
 * the same beam). So the beam is max(want, ef), as for an f32 graph, and ef alone sets the quality of a small k.
 */
export function rescoreFetch(want, size, ef) {
  return Math.min(size, Math.max(want, ef));
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
 * The `keep` nearest of `n` rows to `query` by usearch's exact search (SIMD) over a gathered copy, best first:
 * `copyRow(i, into, at)` copies row i into `into` at `at` and returns false when it has no row (then undefined).
 * `positions` index the caller's n rows. Scattered rows cost mostly their fetch (~2 us per random 2 KB row); the
 * distances themselves are SIMD, ~2x a JS loop over the same rows.
 */
export function scoreRows(n, copyRow, query, dim, metric, keep) {
  if (Math.min(keep, n) === 0)
    return { positions: new Float64Array(0), distances: new Float32Array(0) };
  if (scratch.length < n * dim) scratch = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) if (!copyRow(i, scratch, i * dim)) return undefined;
  // exactSearch reads from the start of the ArrayBuffer (ignores byteOffset): both start there.
  const q = query.byteOffset === 0 ? query : query.slice();
  const best = exactSearch(scratch.subarray(0, n * dim), q, dim, Math.min(keep, n), metric, 1);
  const positions = matchKeys(best.keys);
  return { positions, distances: best.distances.slice(0, positions.length) };
}

/**
 * The matches of a graph that stores vectors at reduced precision (i8, f16), re-scored exactly against their f32
 * rows (`rows.chunks[c]` holds keys c*chunkRows.. as f32 rows of `dim`) by usearch's exact search (the same
 * distance the pending-row scan uses), best first, at most `keep`. The graph only chose the candidates (`res`, a
 * usearch result).
 */
export function rescore(res, query, dim, metric, rows, keep) {
  const keys = matchKeys(res.keys);
  const per = rows.chunkRows;
  const best = scoreRows(
    keys.length,
    (i, into, at) => {
      const key = keys[i];
      const c = Math.floor(key / per);
      const chunk = rows.chunks[c];
      if (!chunk) throw new Error(`exact rows: no row for key ${key}`);
      const from = (key - c * per) * dim;
      into.set(chunk.subarray(from, from + dim), at);
      return true;
    },
    query,
    dim,
    metric,
    keep,
  );
  const outKeys = new Float64Array(best.positions.length);
  for (let i = 0; i < outKeys.length; i++) outKeys[i] = keys[best.positions[i]];
  return { keys: outKeys, distances: best.distances };
}
