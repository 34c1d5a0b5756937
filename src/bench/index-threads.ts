import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { ort } from '../onnx/session.js';

/**
 * Which way of using the cores wins for encoder inference: ONNX Runtime intra-op threads inside one session,
 * several concurrent run() calls on one single-threaded session, or worker threads each with its own
 * single-threaded session. Same model, same batch, same total work.
 */

export interface ThreadingResult {
  setup: string;
  itemsPerSec: number;
}

const INPUT = 'input_1';
const BATCH = 16;
const DIMS = [BATCH, 76, 32, 1];

async function sessionRate(
  model: string,
  intra: number,
  parallel: number,
  batches: number,
): Promise<number> {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: intra,
    interOpNumThreads: 1,
  });
  const x = new ort.Tensor(
    'float32',
    new Float32Array(DIMS.reduce((a, b) => a * b, 1)).fill(0.5),
    DIMS,
  );
  await session.run({ [INPUT]: x });
  const t = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = 0; i < batches / parallel; i++) await session.run({ [INPUT]: x });
    }),
  );
  const ms = performance.now() - t;
  await session.release();
  return (batches * BATCH) / (ms / 1000);
}

async function workerRate(model: string, workers: number, batches: number): Promise<number> {
  const script = fileURLToPath(new URL('./index-thread-worker.mjs', import.meta.url));
  const pool = Array.from(
    { length: workers },
    () =>
      new Worker(script, {
        workerData: { model, input: INPUT, dims: DIMS, batches: batches / workers },
      }),
  );
  await Promise.all(pool.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const t = performance.now();
  await Promise.all(
    pool.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
          w.postMessage('go');
        }),
    ),
  );
  const ms = performance.now() - t;
  await Promise.all(pool.map((w) => w.terminate()));
  return (batches * BATCH) / (ms / 1000);
}

export async function measureThreading(
  model: string,
  log: (line: string) => void,
  batches = 40,
): Promise<ThreadingResult[]> {
  const n = Math.max(2, cpus().length);
  const setups: [string, () => Promise<number>][] = [
    ['1 session, 1 intra-op thread', () => sessionRate(model, 1, 1, batches)],
    [`1 session, ${n} intra-op threads`, () => sessionRate(model, n, 1, batches)],
    [`1 session (1 thread), ${n} concurrent run() calls`, () => sessionRate(model, 1, n, batches)],
    [`${n} worker threads x 1-thread session`, () => workerRate(model, n, batches)],
  ];
  const out: ThreadingResult[] = [];
  for (const [setup, run] of setups) {
    const itemsPerSec = await run();
    out.push({ setup, itemsPerSec });
    log(`threads: ${setup.padEnd(48)} ${itemsPerSec.toFixed(1).padStart(8)} windows/s`);
  }
  return out;
}
