import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PARALLEL_READ_MIN_BYTES,
  readParts,
  readPartsParallel,
  type ReadPart,
} from '../../src/stores/ann/parallel-read.js';

/** A saved rows file read into shared memory by several threads lands byte for byte where one thread puts it. */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fileOf(bytes: number): { file: string; data: Uint8Array } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-pread-'));
  dirs.push(dir);
  const data = new Uint8Array(bytes);
  let x = 12345;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  const file = path.join(dir, 'rows.f32');
  writeFileSync(file, data);
  return { file, data };
}

function partsOf(bytes: number, chunk: number): ReadPart[] {
  const parts: ReadPart[] = [];
  for (let o = 0; o < bytes; o += chunk)
    parts.push({
      buf: new SharedArrayBuffer(chunk),
      offset: o,
      length: Math.min(chunk, bytes - o),
    });
  return parts;
}

function joined(parts: ReadPart[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  for (const p of parts) out.set(new Uint8Array(p.buf, 0, p.length), p.offset);
  return out;
}

describe('parallel rows-file read', () => {
  it('reads every part with two threads exactly as one thread does (an uneven last part included)', () => {
    const bytes = PARALLEL_READ_MIN_BYTES + 3 * 4096 + 100; // past the threshold: threads are used
    const { file, data } = fileOf(bytes);
    const chunk = 8 * 2 ** 20;
    const two = partsOf(bytes, chunk);
    expect(readPartsParallel(file, two, 2)).toBe(2);
    const one = partsOf(bytes, chunk);
    readParts(file, one);
    expect(readPartsParallel(file, partsOf(4096, 1024), 2)).toBe(1); // under the threshold: this thread
    expect(Buffer.compare(joined(two), data)).toBe(0);
    expect(Buffer.compare(joined(one), data)).toBe(0);
  });

  it('reports a short read as the single-thread read does', () => {
    const bytes = PARALLEL_READ_MIN_BYTES + 4096;
    const { file } = fileOf(bytes);
    const parts = partsOf(bytes + 8 * 2 ** 20, 8 * 2 ** 20); // asks for more than the file holds
    expect(() => readPartsParallel(file, parts, 2)).toThrow(/short read/);
  });
});
