// Worker for src/bench/index-threads.ts: one single-threaded onnxruntime session, runs `batches` inferences on request.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

const { model, input, dims, batches } = workerData;
const session = await ort.InferenceSession.create(model, {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const x = new ort.Tensor(
  'float32',
  new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5),
  dims,
);
await session.run({ [input]: x });
parentPort.postMessage({ ready: true });
parentPort.once('message', async () => {
  const t = performance.now();
  for (let i = 0; i < batches; i++) await session.run({ [input]: x });
  parentPort.postMessage({ ms: performance.now() - t });
  await session.release();
});
