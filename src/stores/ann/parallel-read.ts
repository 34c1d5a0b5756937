import { Worker } from 'node:worker_threads';
import { readParts, type ReadPart } from './read-parts.mjs';

export { readParts, type ReadPart };

/** Below this many bytes the parts are read in this thread (starting threads costs more than it saves). */
export const PARALLEL_READ_MIN_BYTES = 64 * 2 ** 20;
/** The longest a parallel read may take before this thread reads the parts itself. */
const PARALLEL_READ_TIMEOUT_MS = 120_000;

/**
 * Reads the parts with `threads` worker threads, blocking this thread until they are done (the caller's open is
 * synchronous). Reading a saved rows file into fresh shared memory is bound by first touching that memory, not by
 * the copy: on this project's 2-core VM 1.5 GB took 4.9 s in one thread and 3.0 s in two. Falls back to reading in
 * this thread when a worker fails or the read runs past its timeout, so errors are the same as `readParts`.
 * Returns how many threads read the parts (1: this one).
 */
export function readPartsParallel(
  file: string,
  parts: readonly ReadPart[],
  threads: number,
): number {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const n = Math.min(threads, parts.length);
  if (n < 2 || total < PARALLEL_READ_MIN_BYTES) {
    readParts(file, parts);
    return 1;
  }
  const sig = new SharedArrayBuffer(4 * (n + 1));
  const s = new Int32Array(sig);
  const per = Math.ceil(parts.length / n);
  const workers: Worker[] = [];
  for (let t = 0; t < n; t++) {
    const w = new Worker(new URL('./read-parts-worker.mjs', import.meta.url), {
      workerData: { file, parts: parts.slice(t * per, (t + 1) * per), sig, slot: t + 1 },
      execArgv: [], // plain JS: it needs none of the parent's loader flags
    });
    w.on('error', () => undefined); // reported through its slot (or the timeout)
    w.unref();
    workers.push(w);
  }
  const deadline = Date.now() + PARALLEL_READ_TIMEOUT_MS;
  for (let done = Atomics.load(s, 0); done < n; done = Atomics.load(s, 0)) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    Atomics.wait(s, 0, done, Math.min(left, 1000));
  }
  const ok = Atomics.load(s, 0) === n && Array.from(s.subarray(1)).every((x) => x === 1);
  for (const w of workers) void w.terminate();
  if (ok) return n;
  readParts(file, parts);
  return 1;
}
