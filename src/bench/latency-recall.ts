import { exactSearch, MetricKind } from 'usearch';
import type { VectorStore } from '../stores/vector-store.js';
import { clusteredVectors } from './latency-data.js';

/**
 * recall@10 of the store's search per vector list against an exact scan over the same vectors: the ingest's
 * vectors are regenerated from the same seeds (batch by batch, as they were written), so nothing is read back.
 */
export async function recallPerVector(
  store: VectorStore,
  o: { n: number; dims: Record<string, number>; batch: number; queries: number },
  queryVectors: (name: string, i: number) => Float32Array,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [v, [name, dim]] of Object.entries(o.dims).entries()) {
    const flat = new Float32Array(o.n * dim);
    for (let start = 0; start < o.n; start += o.batch) {
      const size = Math.min(o.batch, o.n - start);
      clusteredVectors(size, dim, 64, 1000 * v + start).forEach((x, k) =>
        flat.set(x, (start + k) * dim),
      );
    }
    let hit = 0;
    for (let i = 0; i < o.queries; i++) {
      const q = queryVectors(name, i);
      const truth = exactSearch(flat, q, dim, 10, MetricKind.Cos, 0);
      const want = new Set(Array.from(truth.keys, (k) => `item-${k}`));
      const got = await store.search('bench', name, q, 10);
      hit += got.filter((h) => want.has(h.id)).length;
    }
    out[name] = Math.round((hit / (o.queries * 10)) * 1000) / 1000;
  }
  return out;
}
