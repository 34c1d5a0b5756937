// Worker-thread entry for readPartsParallel (parallel-read.ts): reads its parts, then reports 1 (done) or -1
// (failed) in its slot of the shared signal and wakes the waiting thread.
import { workerData } from 'node:worker_threads';
import { readParts } from './read-parts.mjs';

const { file, parts, sig, slot } = workerData;
const s = new Int32Array(sig);
let status = 1;
try {
  readParts(file, parts);
} catch {
  status = -1;
}
Atomics.store(s, slot, status);
Atomics.add(s, 0, 1);
Atomics.notify(s, 0);
