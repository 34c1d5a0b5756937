// Worker-thread entry for SearchPool (search-pool.ts): HNSW searches on saved graph files, each either copied into
// this thread's memory (usearch `load`) while the copies fit in workerData.copyBytes, or memory-mapped read-only
// (`view`: every thread shares the same pages). Plain JS: it needs only usearch, no loader.
// Message in:  { id, searches: [{ file, stamp, slot?, dim, metric, quantization, connectivity, expansionSearch,
//                rows?, query: Float32Array, k }] } (one message per request: its vector lists together)
//              { rows: { id, chunkRows, from, chunks: SharedArrayBuffer[] } } (exact rows shared, chunks from `from`)
//              { drop: id } (those rows are no longer used)
// A graph with `rows` (i8, f16) is asked for more candidates, re-scored from those f32 rows, as VectorIndex does.
// Message out: { id, results: [{ keys: Float64Array, distances: Float32Array } or { error }] } in the same order
//              (keys as numbers, padding cut: see matchKeys)
import { statSync } from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { Index, ScalarKind } from 'usearch';
import { rescore, rescoreFetch, toI8, toMatches } from './row-rescore.mjs';

/**
 * Graphs open here, by file and settings: { index, slot, bytes } (bytes: the size of a private copy, 0 when mapped).
 * The least recently used go first past MAX_VIEWS.
 */
const views = new Map();
const MAX_VIEWS = 32;
/** Bytes of graph files this thread may hold as private copies (SearchPool's copyBytes). */
const COPY_BYTES = Number(workerData?.copyBytes ?? 0);
/** Bytes held as copies now; files copied so far. */
let copied = 0;
let loads = 0;

function graphFor(m) {
  const id = `${m.file}|${m.stamp}|${m.dim}|${m.metric}|${m.quantization}|${m.connectivity}|${m.expansionSearch}`;
  const open = views.get(id);
  if (open) {
    views.delete(id);
    views.set(id, open);
    return open.index;
  }
  // Another file of the same vector is an older generation, never searched again: release it first, so its copy's
  // bytes can hold this one.
  if (m.slot !== undefined) for (const [k, e] of views) if (e.slot === m.slot) release(k, e);
  const index = new Index({
    dimensions: m.dim,
    metric: m.metric,
    quantization: m.quantization,
    connectivity: m.connectivity,
    expansion_add: m.expansionSearch,
    expansion_search: m.expansionSearch,
    multi: false,
  });
  const size = statSync(m.file).size;
  // Copies are never evicted to make room for another graph: one graph too many would otherwise be copied and
  // dropped over and over. Past the budget a graph is mapped.
  const copy = size > 0 && copied + size <= COPY_BYTES;
  if (copy) {
    index.load(m.file);
    copied += size;
    loads++;
  } else {
    index.view(m.file);
    warm(index, m.dim);
  }
  views.set(id, { index, slot: m.slot, bytes: copy ? size : 0 });
  if (views.size > MAX_VIEWS) {
    const [k, e] = views.entries().next().value;
    release(k, e);
  }
  return index;
}

/**
 * Frees a graph now rather than when the collector gets to it: a copy's memory is counted against COPY_BYTES. usearch
 * resets an index before it reads a file, so loading an empty one (the null device: an error after the reset) frees
 * the copy. Never `view` a missing or empty path for this: usearch aborts the process.
 */
function release(key, entry) {
  views.delete(key);
  if (entry.bytes === 0) return;
  copied -= entry.bytes;
  try {
    entry.index.load(os.devNull);
  } catch {
    // Expected: the null device holds no index; the reset before the read is what frees the copy.
  }
}

/** Graphs open in this thread (private copies, mapped), the copies' bytes and how many files were copied (tests). */
function openGraphs() {
  let copies = 0;
  for (const e of views.values()) if (e.bytes > 0) copies++;
  return { copies, mapped: views.size - copies, copiedBytes: copied, loads };
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
  else if (m.stats) parentPort.postMessage({ id: m.id, stats: openGraphs() });
  else parentPort.postMessage({ id: m.id, results: inGraphOrder(m.searches) });
});
