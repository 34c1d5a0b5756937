// Worker-thread entry for SearchPool (search-pool.ts): HNSW searches on saved graph files, memory-mapped read-only
// (`view`), so every thread shares the same pages. Plain JS: it needs only usearch, no loader.
// Message in:  { id, file, stamp, dim, metric, quantization, connectivity, expansionSearch, query: Float32Array, k }
// Message out: { id, keys: BigUint64Array, distances: Float32Array } or { id, error }
import { parentPort } from 'node:worker_threads';
import { Index } from 'usearch';

/** Graphs mapped here, by file and settings; the least recently used go first past MAX_VIEWS. */
const views = new Map();
const MAX_VIEWS = 32;

function graphFor(m) {
  const id = `${m.file}|${m.stamp}|${m.dim}|${m.metric}|${m.quantization}|${m.connectivity}|${m.expansionSearch}`;
  let index = views.get(id);
  if (index) {
    views.delete(id);
    views.set(id, index);
    return index;
  }
  index = new Index({
    dimensions: m.dim,
    metric: m.metric,
    quantization: m.quantization,
    connectivity: m.connectivity,
    expansion_add: m.expansionSearch,
    expansion_search: m.expansionSearch,
    multi: false,
  });
  index.view(m.file);
  views.set(id, index);
  if (views.size > MAX_VIEWS) views.delete(views.keys().next().value);
  return index;
}

parentPort.on('message', (m) => {
  try {
    const res = graphFor(m).search(m.query, m.k, 1);
    parentPort.postMessage({ id: m.id, keys: res.keys, distances: res.distances });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
  }
});
