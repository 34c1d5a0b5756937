// Worker-thread side of src/lexical/bm25-read-thread.ts: answers BM25 top-k searches on its own read connection
// (each search reads one SQLite snapshot; the index notices other connections' commits by data_version). Plain JS
// so Node starts it without a loader (see bm25-index-loader.mjs).
import { parentPort, workerData } from 'node:worker_threads';
import { loadBm25Index } from './bm25-index-loader.mjs';

async function open() {
  const Bm25Index = await loadBm25Index();
  return new Bm25Index(workerData.file, workerData.params);
}

let index;
open().then(
  (opened) => {
    index = opened;
    parentPort.postMessage({ id: -1 });
  },
  (e) => parentPort.postMessage({ id: -1, error: e instanceof Error ? e.message : String(e) }),
);

parentPort.on('message', (m) => {
  if (m.op === 'close') {
    index?.close();
    parentPort.close();
    return;
  }
  try {
    const { hits, corrections } = index.read(m.collection, m.query, m.k, {
      only: m.only,
      exclude: m.exclude,
      expand: m.expand,
      prefix: m.prefix,
    });
    // Two flat arrays clone cheaper than an object per hit.
    parentPort.postMessage({
      id: m.id,
      ids: hits.map((h) => h.id),
      scores: hits.map((h) => h.score),
      ...(corrections.length > 0 ? { corrections } : {}),
    });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
  }
});
