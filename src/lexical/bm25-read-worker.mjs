// Worker-thread side of src/lexical/bm25-read-thread.ts: answers BM25 top-k searches on its own read connection
// (each search reads one SQLite snapshot; the index notices other connections' commits by data_version). Plain JS
// so Node starts it without a loader: in a build (dist/) the compiled index sits beside it; from the sources it
// registers tsx first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

async function open() {
  const compiled = new URL('./bm25-index.js', import.meta.url);
  let entry = compiled.href;
  if (!existsSync(fileURLToPath(compiled))) {
    const { register } = await import('tsx/esm/api');
    register();
    entry = new URL('./bm25-index.ts', import.meta.url).href;
  }
  const { Bm25Index } = await import(entry);
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
    const hits = index.search(m.collection, m.query, m.k, { only: m.only, exclude: m.exclude });
    // Two flat arrays clone cheaper than an object per hit.
    parentPort.postMessage({
      id: m.id,
      ids: hits.map((h) => h.id),
      scores: hits.map((h) => h.score),
    });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
  }
});
