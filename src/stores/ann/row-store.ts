import { closeSync, constants, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { readPartsParallel, type ReadPart } from './parallel-read.js';
import type { RowsView } from './row-rescore.mjs';

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

/** Rows per memory chunk: about this many bytes each (allocated as keys reach them). */
const CHUNK_BYTES = 32 * 2 ** 20;
/** ...and at most this many rows (narrow vectors: a small collection does not reserve 32 MB per vector). */
const CHUNK_MAX_ROWS = 65_536;
/** A fork writes the rows it inherited to its new file in the background, this many bytes per write. */
const FILL_BYTES = 8 * 2 ** 20;
let nextId = 1;

/** The rows as worker threads receive them: the chunks are shared memory, never copied. */
export interface SharedRows {
  id: string;
  chunkRows: number;
  chunks: readonly SharedArrayBuffer[];
}

/** Chunks shared by a store and its fork (the same rows: keys are never reused, so a row never changes). */
interface Memory {
  id: string;
  buffers: SharedArrayBuffer[];
  views: Float32Array[];
  released: Set<() => void>;
}

/**
 * The exact f32 rows of a graph that stores its vectors at reduced precision (i8, f16), by key, in memory: chunks of
 * SharedArrayBuffer that the search worker threads read directly (re-scoring a search's candidates costs no I/O).
 * Written when the row goes into the graph, before any graph file holding it is saved. With a file (row `key` at
 * byte key * dim * 4) every write also goes to the file, and a saved file is read back whole on open. Keys are never
 * reused (KeyMap), so a row once written never changes and readers need no lock.
 */
export class RowStore implements RowsView {
  readonly chunkRows: number;
  private fd: number | undefined;
  private readonly token = {};
  /** Rows read from the saved file on open (a fork's new file must hold them too). */
  private fileRows = 0;
  /** A fork's inherited rows still to write to its file: bytes [done, upTo) (see fork). */
  private fill: { upTo: number; done: number; running?: Promise<void> } | undefined;

  private constructor(
    readonly dim: number,
    /** The file (undefined: memory only). */
    readonly file: string | undefined,
    readonly writable: boolean,
    private readonly mem: Memory,
    chunkRows?: number,
  ) {
    this.chunkRows =
      chunkRows ?? Math.min(CHUNK_MAX_ROWS, Math.max(1024, Math.floor(CHUNK_BYTES / (dim * 4))));
  }

  private static fresh(): Memory {
    return { id: `rows-${process.pid}-${nextId++}`, buffers: [], views: [], released: new Set() };
  }

  static memory(dim: number): RowStore {
    return new RowStore(dim, undefined, true, RowStore.fresh());
  }

  /** A new file, created with its first row. `chunkRows` overrides the chunk size (tests: several chunks). */
  static create(file: string, dim: number, chunkRows?: number): RowStore {
    writing.add(file);
    return new RowStore(dim, file, true, RowStore.fresh(), chunkRows);
  }

  /** A saved file, read into memory; read-only until `fork`. Throws when it cannot be read. */
  static open(file: string, dim: number): RowStore {
    const store = new RowStore(dim, file, false, RowStore.fresh());
    const rowBytes = dim * 4;
    const rows = Math.floor(statSync(file).size / rowBytes);
    if (rows > 0) store.reserve(rows - 1);
    const parts: ReadPart[] = [];
    for (let c = 0; c * store.chunkRows < rows; c++)
      parts.push({
        buf: store.mem.buffers[c]!,
        offset: c * store.chunkRows * rowBytes,
        length: Math.min(store.chunkRows, rows - c * store.chunkRows) * rowBytes,
      });
    // Read-only: no handle is kept (a fork writes its own file from memory).
    readPartsParallel(file, parts, Math.min(4, availableParallelism()));
    store.fileRows = rows;
    return store;
  }

  get id(): string {
    return this.mem.id;
  }

  get chunks(): readonly Float32Array[] {
    return this.mem.views;
  }

  /** The chunks as shared memory, for the search workers. */
  shared(): SharedRows {
    return { id: this.mem.id, chunkRows: this.chunkRows, chunks: this.mem.buffers };
  }

  /** Runs `fn` when the rows are released (a search pool drops its workers' references). */
  onRelease(fn: () => void): void {
    this.mem.released.add(fn);
  }

  /**
   * A writable store with a file of its own under `file` (a saved file is shared with other processes that opened
   * the same index and would write other rows under the same new keys); the memory is the same. The rows it holds
   * from the saved file are written to the new file from memory in the background (a copy on the event loop
   * stalled the first write after an open: ~200 MB per 512-d vector at 100k rows); rows written from now on have
   * higher keys, so they never overlap. `complete()` finishes the copy at once (a save needs the whole file).
   */
  fork(file: string): RowStore {
    if (!this.file) throw new Error('an in-memory row store has no file to fork');
    writing.add(file);
    const copy = new RowStore(this.dim, file, true, this.mem);
    copy.handle(); // creates the file
    copy.fileRows = this.fileRows;
    const upTo = this.fileRows * this.dim * 4;
    if (upTo > 0) {
      copy.fill = { upTo, done: 0 };
      copy.fill.running = copy.fillInBackground(copy.fill).catch(() => {
        // left to complete(), which writes synchronously what is missing
      });
    }
    return copy;
  }

  /** Resolves once a fork's inherited rows are all in its file (for tests and diagnostics). */
  async whenFilled(): Promise<void> {
    await this.fill?.running;
  }

  /** Writes now whatever of a fork's inherited rows the background copy has not written yet (a save needs them). */
  complete(): void {
    // A new file is created by its first row; a save before any row was absorbed names it all the same.
    if (this.writable && this.file) this.handle();
    const fill = this.fill;
    if (!fill) return;
    const fd = this.handle();
    while (fill.done < fill.upTo) {
      const { buf, at, len } = this.slice(fill.done, fill.upTo);
      let n = 0;
      while (n < len) n += writeSync(fd, buf, at + n, len - n, fill.done + n);
      fill.done += len;
    }
    this.fill = undefined;
  }

  private async fillInBackground(fill: { upTo: number; done: number }): Promise<void> {
    const fh = await openFile(this.file!, 'r+');
    try {
      while (this.fill === fill && fill.done < fill.upTo) {
        const from = fill.done;
        const { buf, at, len } = this.slice(from, Math.min(fill.upTo, from + FILL_BYTES));
        let n = 0;
        while (n < len) n += (await fh.write(buf, at + n, len - n, from + n)).bytesWritten;
        // complete() may have run meanwhile (and written this range too: the same bytes).
        fill.done = Math.max(fill.done, from + len);
      }
    } finally {
      await fh.close();
    }
  }

  /** File bytes [from, to) as a view of the memory chunk holding `from` (cut at the chunk's end). */
  private slice(from: number, to: number): { buf: Uint8Array; at: number; len: number } {
    const chunkBytes = this.chunkRows * this.dim * 4;
    const c = Math.floor(from / chunkBytes);
    const at = from - c * chunkBytes;
    return {
      buf: new Uint8Array(this.mem.buffers[c]!),
      at,
      len: Math.min(to - from, chunkBytes - at),
    };
  }

  /** Records rows `keys[i]` = rows[i * dim ..]. */
  write(keys: readonly number[], rows: Float32Array): void {
    if (!this.writable) throw new Error('row store is read-only');
    const dim = this.dim;
    let top = -1;
    for (const k of keys) if (k > top) top = k; // (not Math.max(...keys): too many arguments for a bulk write)
    if (top >= 0) this.reserve(top);
    keys.forEach((k, i) => {
      const chunk = this.mem.views[Math.floor(k / this.chunkRows)]!;
      chunk.set(rows.subarray(i * dim, (i + 1) * dim), (k % this.chunkRows) * dim);
    });
    if (!this.file) return;
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

  /** Lets a save remove the file once no manifest names it, and search pools drop the memory. */
  release(): void {
    if (this.file) writing.delete(this.file);
    for (const fn of this.mem.released) fn();
    this.mem.released.clear();
  }

  close(): void {
    this.release();
    this.closeFile();
  }

  private closeFile(): void {
    if (this.fd !== undefined) {
      closer.unregister(this.token);
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  /** Allocates the chunks up to the one holding `key`. */
  private reserve(key: number): void {
    const need = Math.floor(key / this.chunkRows) + 1;
    while (this.mem.buffers.length < need) {
      const buf = new SharedArrayBuffer(this.chunkRows * this.dim * 4);
      this.mem.buffers.push(buf);
      this.mem.views.push(new Float32Array(buf));
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
