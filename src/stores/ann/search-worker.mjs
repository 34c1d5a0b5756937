// Worker-thread entry for SearchPool (search-pool.ts): HNSW searches on saved graph files, memory-mapped read-only
// (`view`), so every thread shares the same pages. Plain JS: it needs only usearch, no loader.
// Message in:  { id, searches: [{ file, stamp, dim, metric, quantization, connectivity, expansionSearch,
//                exactRows?, query: Float32Array, k }] } (one message per request: its vector lists together)
// A graph with `exactRows` (f16) has its matches re-scored from that file's f32 rows, as VectorIndex does.
// Message out: { id, results: [{ keys: BigUint64Array, distances: Float32Array } or { error }] } in the same order
import { closeSync, openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Index } from 'usearch';
import { readRowsAt, rescore } from './row-rescore.mjs';

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

/** Exact-row files opened here, by path (a row never changes once written: an open file stays valid). */
const rowFiles = new Map();

function rowsFd(file) {
  let fd = rowFiles.get(file);
  if (fd === undefined) {
    fd = openSync(file, 'r');
    rowFiles.set(file, fd);
    if (rowFiles.size > MAX_VIEWS) {
      const [first, old] = rowFiles.entries().next().value;
      rowFiles.delete(first);
      closeSync(old);
    }
  }
  return fd;
}

function searchOne(s) {
  try {
    let res = graphFor(s).search(s.query, s.k, 1);
    if (s.exactRows) {
      const fd = rowsFd(s.exactRows);
      res = rescore(res, s.query, s.dim, s.metric, (keys, into) =>
        readRowsAt(fd, s.dim, keys, into),
      );
    }
    return { keys: res.keys, distances: res.distances };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

parentPort.on('message', (m) => {
  parentPort.postMessage({ id: m.id, results: m.searches.map(searchOne) });
});
