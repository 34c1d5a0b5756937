import { describe, expect, it } from 'vitest';
import { cosine } from '../../src/domain/vectors.js';
import { CHUNK_ROWS } from '../../src/stores/ann/pending.js';
import { HNSW_PARAMS, VectorIndex } from '../../src/stores/ann/vector-index.js';

/** Cosine distance computed directly: the ground truth the index's exact scans must reproduce. */
const cosineDistance = (a: Float32Array, b: Float32Array): number => 1 - cosine(a, b);

/** The k rows nearest `query` by brute force, keyed by their position in `rows`. */
function exactTopK(rows: readonly Float32Array[], query: Float32Array, k: number) {
  return rows
    .map((v, key) => ({ key, distance: cosineDistance(query, v) }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k);
}

// Regression: usearch's exactSearch ignores a typed array's byteOffset. Pending rows scanned from a subarray that
// did not start at offset 0 (after the absorber had taken rows) came back mapped to other items' keys.
describe('VectorIndex pending rows', () => {
  const dim = 16;
  // mulberry32: distinct seeds give distinct vectors.
  const rand = (seed: number) => {
    let a = seed >>> 0;
    return Float32Array.from({ length: dim }, () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
    });
  };

  it('every pending row finds itself after part of the rows were absorbed', () => {
    const index = new VectorIndex(dim, 'cosine', HNSW_PARAMS);
    const vectors = Array.from({ length: 200 }, (_, i) => rand(i + 1));
    vectors.forEach((v, key) => index.add(key, v));
    index.absorb(70, () => true);
    expect(index.pendingSize).toBe(130);
    expect(index.graphSize).toBe(70);
    vectors.forEach((v, key) => {
      const [hit] = index.search(v, 1, () => true);
      expect(hit?.key).toBe(key);
      expect(hit!.distance).toBeLessThan(1e-5);
    });
  });

  it('rows spread over several chunks are all found, before and after absorbing some', () => {
    const index = new VectorIndex(dim, 'cosine', HNSW_PARAMS);
    const n = CHUNK_ROWS * 2 + 37;
    const vectors = Array.from({ length: n }, (_, i) => rand(i + 9000));
    vectors.forEach((v, key) => index.add(key, v));
    const check = () =>
      [0, 1, CHUNK_ROWS - 1, CHUNK_ROWS, CHUNK_ROWS + 5, n - 1].forEach((key) =>
        expect(index.search(vectors[key]!, 1, () => true)[0]?.key).toBe(key),
      );
    check();
    while (index.pendingSize > n - CHUNK_ROWS / 2) index.absorb(64, () => true);
    expect(index.graphSize).toBe(n - index.pendingSize);
    check();
  });

  it('deterministic absorb: a half-taken oldest chunk, rows pushed after it and the rest are all found', () => {
    const index = new VectorIndex(dim, 'cosine', { ...HNSW_PARAMS, deterministic: true });
    const n = CHUNK_ROWS + 300;
    const vectors = Array.from({ length: n + 50 }, (_, i) => rand(i + 20_000));
    vectors.slice(0, n).forEach((v, key) => index.add(key, v));
    index.absorb(100, () => true); // from the oldest (full) chunk's end
    index.absorb(37, () => true);
    expect(index.graphSize).toBe(137);
    // The started chunk takes no new rows: these go after the partial chunk, found by the scan like the rest.
    vectors.slice(n).forEach((v, i) => index.add(n + i, v));
    const check = () =>
      [
        0,
        1,
        CHUNK_ROWS - 138,
        CHUNK_ROWS - 137,
        CHUNK_ROWS - 1,
        CHUNK_ROWS,
        n - 1,
        n,
        n + 49,
      ].forEach((key) => expect(index.search(vectors[key]!, 1, () => true)[0]?.key).toBe(key));
    check();
    // The background steps finish the full chunk only; the partial rows wait for a flush (`all`).
    while (index.hasBackgroundWork) index.absorb(64, () => true);
    expect(index.graphSize).toBe(CHUNK_ROWS);
    expect(index.pendingSize).toBe(350);
    check();
    while (index.hasWork) index.absorb(1000, () => true, 1, true);
    expect(index.graphSize).toBe(n + 50);
    check();
  });

  it('a cosine scan of many pending rows (int8 candidates, float distances) returns the exact top k', () => {
    const d = 64;
    const index = new VectorIndex(d, 'cosine', HNSW_PARAMS);
    const n = 6000; // past the prefilter threshold, over several chunks
    const rows = Array.from({ length: n }, (_, i) =>
      Float32Array.from(
        { length: d },
        (_, j) => Math.sin(i * 0.731 + j * 1.37) + 0.3 * Math.cos(i * j),
      ),
    );
    rows.forEach((v, key) => index.add(key, v));
    for (let qi = 0; qi < 20; qi++) {
      const query = Float32Array.from({ length: d }, (_, j) => Math.sin(qi * 2.9 + j * 0.41));
      const truth = exactTopK(rows, query, 10);
      const got = index.search(query, 10, () => true);
      expect(got.map((h) => h.key)).toEqual(truth.map((h) => h.key));
      got.forEach((h, i) => expect(h.distance).toBeCloseTo(truth[i]!.distance, 5));
    }
    for (const key of [0, 17, 4095, 5999])
      expect(index.search(rows[key]!, 1, () => true)[0]?.key).toBe(key);
  });

  it('the int8 prefilter stays exact when the nearest rows crowd into one chunk (that chunk is asked again)', () => {
    const d = 32;
    const index = new VectorIndex(d, 'cosine', HNSW_PARAMS);
    const query = Float32Array.from({ length: d }, (_, j) => Math.cos(j * 0.7 + 1));
    const n = 8 * CHUNK_ROWS;
    // Chunk 3 holds rows close to the query (all of its rows beat every other chunk's); the rest are random.
    const rows = Array.from({ length: n }, (_, i) => {
      const r = Float32Array.from({ length: d }, (_, j) => Math.sin(i * 0.37 + j * 1.91) * 0.5);
      if (Math.floor(i / CHUNK_ROWS) === 3)
        for (let j = 0; j < d; j++) r[j] = query[j]! + 0.05 * r[j]!;
      return r;
    });
    rows.forEach((v, key) => index.add(key, v));
    for (const k of [10, 100, 300]) {
      const truth = exactTopK(rows, query, k);
      const got = index.search(query, k, () => true);
      expect(got.length).toBe(k);
      // Exact distances: the same set (ties aside, compare by distance rank).
      got.forEach((h, i) => expect(h.distance).toBeCloseTo(truth[i]!.distance, 5));
      expect(got.every((h) => Math.floor(h.key / CHUNK_ROWS) === 3)).toBe(true);
    }
  });

  it('a query that is a view into a larger buffer (byteOffset > 0) is searched as itself', () => {
    const index = new VectorIndex(dim, 'l2', HNSW_PARAMS);
    const vectors = Array.from({ length: 50 }, (_, i) => rand(i + 500));
    vectors.forEach((v, key) => index.add(key, v));
    const packed = new Float32Array(dim * 50);
    vectors.forEach((v, i) => packed.set(v, i * dim));
    for (let key = 0; key < 50; key++) {
      const view = packed.subarray(key * dim, (key + 1) * dim);
      expect(index.search(view, 1, () => true)[0]?.key).toBe(key);
    }
  });
});

describe('VectorIndex exact scoring of given keys (the exact filter plan)', () => {
  const dim = 12;
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  const vec = () => Float32Array.from({ length: dim }, next);

  it('scores absorbed and pending rows of the keys given, over several blocks, as brute force does', () => {
    const index = new VectorIndex(dim, 'cosine', HNSW_PARAMS);
    const vectors = Array.from({ length: 3_000 }, vec);
    vectors.forEach((v, key) => index.add(key, v));
    index.absorb(2_200, () => true);
    expect(index.pendingSize).toBe(800);
    // Every other key: 1,500 of them, in two blocks, 400 of them still pending.
    const keys = vectors.map((_, key) => key).filter((key) => key % 2 === 0);
    // A query that is a view into a larger buffer (a request's decoded body): scored from its own offset.
    const holder = new Float32Array(dim * 2);
    holder.set(vec(), dim);
    const query = holder.subarray(dim);
    const want = keys
      .map((key) => ({ key, distance: cosineDistance(query, vectors[key]!) }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, 25);
    const got = index.exactAmong(query, keys, 25)!;
    expect(got.map((h) => h.key)).toEqual(want.map((h) => h.key));
    got.forEach((h, i) => expect(h.distance).toBeCloseTo(want[i]!.distance, 5));
    expect(index.exactAmong(query, [], 5)).toEqual([]);
  });
});
