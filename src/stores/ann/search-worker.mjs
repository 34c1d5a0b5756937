// Worker-thread entry for SearchPool (search-pool.ts): HNSW searches on saved graph files, memory-mapped read-only
// (`view`), so every thread shares the same pages. Plain JS: it needs only usearch, no loader.
// Message in:  { id, searches: [{ file, stamp, dim, metric, quantization, connectivity, expansionSearch,
//                rows?, query: Float32Array, k }] } (one message per request: its vector lists together)
//              { rows: { id, chunkRows, from, chunks: SharedArrayBuffer[] } } (exact rows shared, chunks from `from`)
//              { drop: id } (those rows are no longer used)
// A graph with `rows` (i8, f16) is asked for more candidates, re-scored from those f32 rows, as VectorIndex does.
// Message out: { id, results: [{ keys: Float64Array, distances: Float32Array } or { error }] } in the same order
//              (keys as numbers, padding cut: see matchKeys)
import { parentPort } from 'node:worker_threads';
import { Index, ScalarKind } from 'usearch';
import { rescore, rescoreFetch, toI8, toMatches } from './row-rescore.mjs';

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
  warm(index, m.dim);
  views.set(id, index);
  if (views.size > MAX_VIEWS) views.delete(views.keys().next().value);
  return index;
}

/** One warm-up query per this many graph rows, at most WARM_MAX: ~1.5 s for a 1M x 384 graph on one thread. */
const WARM_ROWS_PER_QUERY = 5_000;
const WARM_MAX = 200;

/**
 * A freshly mapped graph pays a page fault for every page a search first touches: on a 1M x 384 graph the first
 * ~40 searches took 200 -> 10 ms each (steady state 2 ms). A batch of random queries walks the upper layers and
 * spreads over layer 0 once, so real searches start warm. Deterministic (an LCG), so runs are repeatable.
 */
function warm(index, dim) {
  const n = Math.min(WARM_MAX, Math.ceil(index.size() / WARM_ROWS_PER_QUERY));
  if (n < 1) return;
  const queries = new Float32Array(n * dim);
  let s = 0x9e3779b9;
  for (let i = 0; i < queries.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    queries[i] = s / 2 ** 32 - 0.5;
  }
  index.search(queries, 10, 1);
}

/** Exact rows shared by the main thread, by id: { chunkRows, chunks: Float32Array[] } over shared memory. */
const rowSets = new Map();

function searchOne(s) {
  try {
    const graph = graphFor(s);
    if (!s.rows) return toMatches(graph.search(s.query, s.k, 1));
    const rows = rowSets.get(s.rows);
    if (!rows) throw new Error(`exact rows ${s.rows} not shared with this worker`);
    const q = s.quantization === ScalarKind.I8 ? toI8(s.query, s.dim) : s.query;
    const res = graph.search(q, rescoreFetch(s.k, graph.size(), s.expansionSearch), 1);
    return rescore(res, s.query, s.dim, s.metric, rows, s.k);
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Runs a message's searches one graph after another (several requests' lists arrive together under load), and
 * answers in the order asked: consecutive walks of one graph find its upper layers and hot nodes still in cache
 * (100k x (384+512+512) i8, 4 requests per batch, one thread: 5-8% less CPU per search than alternating graphs).
 */
function inGraphOrder(searches) {
  const order = searches.map((_, i) => i);
  order.sort((a, b) =>
    searches[a].file < searches[b].file ? -1 : searches[a].file > searches[b].file ? 1 : a - b,
  );
  const results = new Array(searches.length);
  for (const i of order) results[i] = searchOne(searches[i]);
  return results;
}

parentPort.on('message', (m) => {
  if (m.rows) {
    let set = rowSets.get(m.rows.id);
    if (!set) rowSets.set(m.rows.id, (set = { chunkRows: m.rows.chunkRows, chunks: [] }));
    m.rows.chunks.forEach((buf, i) => (set.chunks[m.rows.from + i] = new Float32Array(buf)));
  } else if (m.drop) rowSets.delete(m.drop);
  else parentPort.postMessage({ id: m.id, results: inGraphOrder(m.searches) });
});
