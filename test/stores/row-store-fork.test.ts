import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RowStore } from '../../src/stores/ann/row-store.js';
import { rng, unitVector } from './builders.js';

/**
 * The first write after an open forks the saved exact-rows file (it is shared with other processes). The fork
 * writes the rows it inherited from memory, in the background, instead of copying the file on the event loop;
 * a save finishes whatever is left first, so a manifest never names a partial file.
 */
const DIM = 16;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(n: number, chunkRows: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-rows-fork-'));
  dirs.push(dir);
  const rand = rng(9);
  const rows = Array.from({ length: n + 40 }, () => unitVector(DIM, rand));
  const saved = RowStore.create(path.join(dir, 'saved.f32'), DIM, chunkRows);
  const flat = new Float32Array(n * DIM);
  rows.slice(0, n).forEach((r, i) => flat.set(r, i * DIM));
  saved.write(
    Array.from({ length: n }, (_, i) => i),
    flat,
  );
  saved.close();
  return { dir, rows, saved: path.join(dir, 'saved.f32') };
}

/** The file's rows as a flat array: row `key` at key * DIM. */
const fileRows = (file: string) => {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

function expected(rows: Float32Array[], n: number): Float32Array {
  const out = new Float32Array(n * DIM);
  rows.slice(0, n).forEach((r, i) => out.set(r, i * DIM));
  return out;
}

describe('forking a saved exact-rows file', () => {
  it('writes the inherited rows from memory (the saved file may already be gone) beside the new ones', async () => {
    const n = 700;
    const { dir, rows, saved } = setup(n, 64); // 11 chunks: slices cross chunk ends
    const opened = RowStore.open(saved, DIM);
    unlinkSync(saved); // another process's save removed it: the fork must not need it
    const fork = opened.fork(path.join(dir, 'fork.f32'));
    const newKeys = Array.from({ length: 40 }, (_, i) => n + i);
    fork.write(newKeys, expected(rows.slice(n), 40));
    await fork.whenFilled();
    expect(fileRows(path.join(dir, 'fork.f32'))).toEqual(expected(rows, n + 40));
    // Memory is shared with the opened store and holds every row.
    expect(fork.chunks[0]!.subarray(0, DIM)).toEqual(rows[0]);
    fork.close();
  });

  it('complete() right after the fork leaves the whole file at once; the background copy then changes nothing', async () => {
    const n = 300;
    const { dir, rows, saved } = setup(n, 128);
    const fork = RowStore.open(saved, DIM).fork(path.join(dir, 'fork.f32'));
    fork.complete(); // what a save does before naming the file
    expect(fileRows(path.join(dir, 'fork.f32'))).toEqual(expected(rows, n));
    await fork.whenFilled();
    expect(fileRows(path.join(dir, 'fork.f32'))).toEqual(expected(rows, n));
    fork.close();
  });
});
