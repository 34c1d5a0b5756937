// Child process for search-pool-exit.test.ts: searches once through a two-worker pool and ends WITHOUT close().
import { Index, MetricKind, ScalarKind } from 'usearch';
import { SearchPool } from '../../src/stores/ann/search-pool.js';

const file = process.argv[2]!;
const dim = 8;
const index = new Index({
  metric: MetricKind.Cos,
  dimensions: dim,
  connectivity: 16,
  quantization: ScalarKind.F32,
  expansion_add: 64,
  expansion_search: 64,
  multi: false,
});
for (let i = 0; i < 64; i++)
  index.add(
    BigInt(i),
    Float32Array.from({ length: dim }, (_, j) => Math.sin(i * 7 + j)),
  );
index.save(file);
const graph = {
  file,
  stamp: 'test',
  dim,
  metric: MetricKind.Cos,
  quantization: ScalarKind.F32,
  connectivity: 16,
  expansionSearch: 64,
};
const pool = new SearchPool(2, 0, undefined, () => false);
const m = await pool.search(
  graph,
  Float32Array.from({ length: dim }, (_, j) => Math.sin(j)),
  3,
);
console.log('searched', m.keys.length);
