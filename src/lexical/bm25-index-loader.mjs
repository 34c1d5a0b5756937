// Loads the BM25 index class for a worker thread (bm25-read-worker, bm25-write-worker). Plain JS so Node starts it
// without a loader: in a build (dist/) the compiled module sits beside it; from the sources tsx is registered first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function loadBm25Index() {
  const compiled = new URL('./bm25-index.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return (await import(compiled.href)).Bm25Index;
  const { register } = await import('tsx/esm/api');
  register();
  return (await import(new URL('./bm25-index.ts', import.meta.url).href)).Bm25Index;
}
