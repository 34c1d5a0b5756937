import { exactSearch, MetricKind } from 'usearch';
import type { VectorStore } from '../stores/vector-store.js';
import { clusteredVectors } from './latency-data.js';

/** recall@10 per vector list, and per list the queries that found none of their true top 10 (see recallPerVector). */
export interface VectorRecall {
  recall: Record<string, number>;
  lost: Record<string, number>;
}

/**
 * recall@10 of the store's search per vector list against an exact scan over the same vectors: the ingest's
 * vectors are regenerated from the same seeds (batch by batch, as they were written), so nothing is read back.
 *
 * Misses on this data are all or nothing per query (a walk that does not reach the query's small cluster returns
 * none of its top 10; one 100k build: 5 of the first 100 audio queries lost whole, 93 with all 10), so one lost
 * query moves recall over 100 queries by 0.01: the whole query pool is asked, and the lost queries are counted.
 */
export async function recallPerVector(
  store: VectorStore,
  o: { n: number; dims: Record<string, number>; batch: number; queries: number },
  queryVectors: (name: string, i: number) => Float32Array,
): Promise<VectorRecall> {
  const out: VectorRecall = { recall: {}, lost: {} };
  for (const [v, [name, dim]] of Object.entries(o.dims).entries()) {
    const flat = new Float32Array(o.n * dim);
    for (let start = 0; start < o.n; start += o.batch) {
      const size = Math.min(o.batch, o.n - start);
      clusteredVectors(size, dim, 64, 1000 * v + start).forEach((x, k) =>
        flat.set(x, (start + k) * dim),
      );
    }
    // One exact search for all queries (usearch spreads them over the cores).
    const qs = new Float32Array(o.queries * dim);
    for (let i = 0; i < o.queries; i++) qs.set(queryVectors(name, i), i * dim);
    const truth = exactSearch(flat, qs, dim, 10, MetricKind.Cos, 0);
    let hit = 0;
    let lost = 0;
    for (let i = 0; i < o.queries; i++) {
      const q = qs.slice(i * dim, (i + 1) * dim);
      const top = truth.keys.subarray(i * 10, (i + 1) * 10);
      const want = new Set(Array.from(top, (k) => `item-${k}`));
      const got = await store.search('bench', name, q, 10);
      const found = got.filter((h) => want.has(h.id)).length;
      hit += found;
      if (found === 0) lost++;
    }
    out.recall[name] = Math.round((hit / (o.queries * 10)) * 1000) / 1000;
    out.lost[name] = lost;
  }
  return out;
}
