import { describe, expect, it } from 'vitest';
import { HNSW_PARAMS, VectorIndex } from '../../src/stores/ann/vector-index.js';

// Regression: usearch's exactSearch ignores a typed array's byteOffset. Pending rows scanned from a subarray that
// did not start at offset 0 (after the absorber had taken rows) came back mapped to other items' keys.
describe('VectorIndex pending rows', () => {
  const dim = 16;
  const rand = (seed: number) => {
    let x = seed * 2654435761;
    return Float32Array.from({ length: dim }, () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648 - 0.5;
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
