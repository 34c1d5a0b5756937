import { closeSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** One range of a file to read into shared memory: `length` bytes at file `offset` into `buf` from byte 0. */
export interface ReadPart {
  buf: SharedArrayBuffer;
  offset: number;
  length: number;
}

/** Below this many bytes the parts are read in this thread (starting threads costs more than it saves). */
export const PARALLEL_READ_MIN_BYTES = 64 * 2 ** 20;
/** The longest a parallel read may take before this thread reads the parts itself. */
const PARALLEL_READ_TIMEOUT_MS = 120_000;

// A CommonJS script (eval workers are CommonJS): reads its parts, then reports 1 (done) or -1 (failed) in its slot.
const READER = `
const { workerData } = require('node:worker_threads');
const { closeSync, openSync, readSync } = require('node:fs');
const { file, parts, sig, slot } = workerData;
const s = new Int32Array(sig);
let status = 1;
try {
  const fd = openSync(file, 'r');
  try {
    for (const p of parts) {
      const bytes = new Uint8Array(p.buf, 0, p.length);
      for (let done = 0; done < p.length; ) {
        const n = readSync(fd, bytes, done, p.length - done, p.offset + done);
        if (n <= 0) throw new Error('short read');
        done += n;
      }
    }
  } finally {
    closeSync(fd);
  }
} catch {
  status = -1;
}
Atomics.store(s, slot, status);
Atomics.add(s, 0, 1);
Atomics.notify(s, 0);
`;

/** Reads the parts in this thread; throws on a short read. */
export function readParts(file: string, parts: readonly ReadPart[]): void {
  const fd = openSync(file, 'r');
  try {
    for (const p of parts) {
      const bytes = new Uint8Array(p.buf, 0, p.length);
      for (let done = 0; done < p.length;) {
        const n = readSync(fd, bytes, done, p.length - done, p.offset + done);
        if (n <= 0) throw new Error(`${file}: short read`);
        done += n;
      }
    }
  } finally {
    closeSync(fd);
  }
}

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
    const w = new Worker(READER, {
      eval: true,
      workerData: { file, parts: parts.slice(t * per, (t + 1) * per), sig, slot: t + 1 },
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
