// Worker-thread side of src/lexical/bm25-write-thread.ts: applies BM25 writes on its own SQLite connection, one
// message after another in arrival order. Plain JS so Node starts it without a loader: in a build (dist/) the
// compiled index sits beside it; from the sources it registers tsx first.
import { parentPort, workerData } from 'node:worker_threads';
import { loadBm25Index } from './bm25-index-loader.mjs';

async function open() {
  const Bm25Index = await loadBm25Index();
  return new Bm25Index(workerData.file);
}

const ready = open();
// The owner writes on its own connection until this arrives (see Bm25WriteThread).
ready.then(
  () => parentPort.postMessage({ id: -1 }),
  () => undefined, // every write then answers with the error
);
// Messages are handled strictly in order: each waits for the one before (and for the index to open).
let chain = Promise.resolve();
parentPort.on('message', (m) => {
  chain = chain.then(async () => {
    let index;
    try {
      index = await ready;
      if (m.op === 'close') {
        index.close();
        parentPort.close();
        return;
      }
      if (m.op === 'upsert') await index.upsert(m.collection, m.docs);
      else if (m.op === 'delete') await index.delete(m.collection, m.ids);
      else if (m.op === 'drop') await index.dropCollection(m.collection);
      else if (m.op === 'language') await index.setLanguage(m.collection, m.language);
      else throw new Error(`unknown lexical write ${String(m.op)}`);
      parentPort.postMessage({ id: m.id });
    } catch (e) {
      if (m.op === 'close') {
        parentPort.close();
        return;
      }
      parentPort.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
});
