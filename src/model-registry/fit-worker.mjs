// Worker-thread entry for fitInWorkerThread (src/model-registry/fit-from-logs.ts). Plain JS so Node starts it without a
// loader. In a build (dist/) the compiled trainer sits beside it; from the sources it registers tsx first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

try {
  const compiled = new URL('./fit-from-logs.js', import.meta.url);
  let entry = compiled.href;
  if (!existsSync(fileURLToPath(compiled))) {
    const { register } = await import('tsx/esm/api');
    register();
    entry = new URL('./fit-from-logs.ts', import.meta.url).href;
  }
  const { fitInWorker } = await import(entry);
  parentPort.postMessage({ ok: true, result: fitInWorker(workerData) });
} catch (e) {
  parentPort.postMessage({
    ok: false,
    error: { message: e instanceof Error ? e.message : String(e), code: e?.code },
  });
}
