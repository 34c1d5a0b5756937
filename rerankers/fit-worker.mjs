// Worker-thread entry for fitInWorkerThread (rerankers/fit-from-logs.ts). Plain JS so Node starts it without a
// loader; it registers tsx itself before importing the TypeScript trainer.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
try {
  const { fitInWorker } = await import('./fit-from-logs.ts');
  parentPort.postMessage({ ok: true, result: fitInWorker(workerData) });
} catch (e) {
  parentPort.postMessage({ ok: false, error: { message: e instanceof Error ? e.message : String(e), code: e?.code } });
}
