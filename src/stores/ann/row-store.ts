import { closeSync, constants, copyFileSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { readRowsAt } from './row-rescore.mjs';

/** Row files this process writes: a save removes files no manifest names, except these (a rebuild in progress). */
const writing = new Set<string>();
/** A store dropped without close (an index replaced while searches may still read it) closes its file when collected. */
const closer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
});

/**
 * The exact f32 rows of a graph that stores its vectors at reduced precision (f16), by key: row `key` at byte
 * key * dim * 4 of one flat file, written when the row goes into the graph. Keys are never reused (KeyMap), so a
 * row once written never changes and readers need no lock: worker threads read the same file by its path, the page
 * cache is shared, and the process's memory holds none of it. Without a file (a VectorIndex used on its own) the
 * rows are kept in memory.
 */
export class RowStore {
  private fd: number | undefined;
  private mem: Float32Array | undefined;
  private readonly token = {};

  private constructor(
    readonly dim: number,
    /** The file (undefined: in memory). */
    readonly file: string | undefined,
    readonly writable: boolean,
  ) {
    if (!file) this.mem = new Float32Array(0);
  }

  static memory(dim: number): RowStore {
    return new RowStore(dim, undefined, true);
  }

  /** A new file, created with its first row. */
  static create(file: string, dim: number): RowStore {
    writing.add(file);
    return new RowStore(dim, file, true);
  }

  /** A saved file, read-only until `fork`. Throws when it cannot be opened. */
  static open(file: string, dim: number): RowStore {
    const store = new RowStore(dim, file, false);
    store.handle();
    return store;
  }

  /** A writable copy under `file` (a saved file is shared with other processes that opened the same index). */
  fork(file: string): RowStore {
    if (!this.file) throw new Error('an in-memory row store has no file to fork');
    mkdirSync(path.dirname(file), { recursive: true });
    copyFileSync(this.file, file);
    const copy = RowStore.create(file, this.dim);
    copy.handle();
    return copy;
  }

  /** Records rows `keys[i]` = rows[i * dim ..]. */
  write(keys: readonly number[], rows: Float32Array): void {
    if (!this.writable) throw new Error('row store is read-only');
    const dim = this.dim;
    if (this.mem) {
      let top = -1;
      for (const k of keys) if (k > top) top = k; // (not Math.max(...keys): too many arguments for a bulk write)
      const need = (top + 1) * dim;
      if (need > this.mem.length) {
        const grown = new Float32Array(Math.max(need, this.mem.length * 2));
        grown.set(this.mem);
        this.mem = grown;
      }
      keys.forEach((k, i) => this.mem!.set(rows.subarray(i * dim, (i + 1) * dim), k * dim));
      return;
    }
    const fd = this.handle();
    const bytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
    // Runs of consecutive keys (the usual case: keys are handed out in write order) go in one write.
    let start = 0;
    for (let i = 1; i <= keys.length; i++) {
      if (i < keys.length && keys[i] === keys[i - 1]! + 1) continue;
      const len = (i - start) * dim * 4;
      let done = 0;
      while (done < len)
        done += writeSync(
          fd,
          bytes,
          start * dim * 4 + done,
          len - done,
          keys[start]! * dim * 4 + done,
        );
      start = i;
    }
  }

  /** Fills `into` with the rows of `keys`, row i at i * dim. */
  read(keys: number[], into: Float32Array): void {
    if (this.mem) {
      keys.forEach((k, i) =>
        into.set(this.mem!.subarray(k * this.dim, (k + 1) * this.dim), i * this.dim),
      );
      return;
    }
    readRowsAt(this.handle(), this.dim, keys, into);
  }

  /** Lets a save remove the file once no manifest names it (the index it belonged to was replaced). */
  release(): void {
    if (this.file) writing.delete(this.file);
  }

  close(): void {
    this.release();
    if (this.fd !== undefined) {
      closer.unregister(this.token);
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private handle(): number {
    if (this.fd === undefined) {
      const file = this.file!;
      if (this.writable) mkdirSync(path.dirname(file), { recursive: true });
      this.fd = openSync(
        file,
        this.writable ? constants.O_RDWR | constants.O_CREAT : constants.O_RDONLY,
        0o644,
      );
      closer.register(this, this.fd, this.token);
    }
    return this.fd;
  }
}

/** Whether a save may remove `file` (no index of this process is still writing it). */
export function rowFileInUse(file: string): boolean {
  return writing.has(file);
}
