import { Worker } from 'node:worker_threads';

/** Spare buffers kept ready per size (a bulk load of 3 vectors takes ~10 chunks a second). */
const SPARES = 4;
/** Emptied chunks are kept for reuse while the pool holds less than this many bytes in all. */
const RECYCLE_MAX_BYTES = 64 << 20;
const PAGE = 4096;

// Allocates buffers, writes one byte per page (so the kernel maps every page now) and hands them over.
const HELPER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ bytes, count }) => {
  for (let i = 0; i < count; i++) {
    const buf = new ArrayBuffer(bytes);
    const u = new Uint8Array(buf);
    for (let j = 0; j < bytes; j += ${PAGE}) u[j] = 0;
    parentPort.postMessage(buf, [buf]);
  }
});`;

/**
 * Memory for the pending buffers' chunks (1,024 rows of one vector: ~2 MB at 512 dims), shared by every vector
 * and collection of the process. Fresh memory is slow to touch on small VMs (the kernel maps each page on first
 * write: ~13 ms per 2 MB chunk here, ~45 ms of event loop per 1,000 items of 384 + 512 + 512 dims during a bulk
 * load), so a helper thread allocates the buffers and touches their pages ahead of need, and transfers them (no
 * copy); chunks the absorber emptied come back here for reuse by any vector of the same size.
 *
 * A buffer taken from here may hold another vector's (or collection's) old rows: its user must only ever read
 * the rows it wrote itself (PendingBuffer reads `keys.length` rows from the start).
 */
export class ChunkMemory {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly asked = new Map<number, number>();
  /** Bytes in the free lists. */
  private held = 0;
  private helper: Worker | undefined;
  private broken = false;
  /** Buffers handed out that were ready (faulted in or reused) vs allocated on the spot: diagnostics, tests. */
  readonly stats = { ready: 0, fresh: 0 };

  constructor(private readonly prefault = true) {}

  /** A buffer of exactly `bytes` (contents unspecified). */
  take(bytes: number): ArrayBuffer {
    const buf = this.free.get(bytes)?.pop();
    this.refill(bytes);
    if (buf) {
      this.held -= bytes;
      this.stats.ready++;
      return buf;
    }
    this.stats.fresh++;
    return new ArrayBuffer(bytes);
  }

  /** A buffer whose contents are no longer needed, for reuse (dropped past the recycling bound). */
  give(buf: ArrayBuffer): void {
    if (this.held + buf.byteLength > RECYCLE_MAX_BYTES) return;
    this.keep(buf);
  }

  /** Buffers of this size ready now. */
  ready(bytes: number): number {
    return this.free.get(bytes)?.length ?? 0;
  }

  private keep(buf: ArrayBuffer): void {
    const list = this.free.get(buf.byteLength) ?? [];
    list.push(buf);
    this.free.set(buf.byteLength, list);
    this.held += buf.byteLength;
  }

  private refill(bytes: number): void {
    if (!this.prefault || this.broken) return;
    const have = this.ready(bytes) + (this.asked.get(bytes) ?? 0);
    if (have >= SPARES) return;
    this.asked.set(bytes, (this.asked.get(bytes) ?? 0) + SPARES - have);
    this.start().postMessage({ bytes, count: SPARES - have });
  }

  private start(): Worker {
    if (this.helper) return this.helper;
    // No loader flags (tsx from the sources): the helper is plain JS and starts in milliseconds without them.
    const w = new Worker(HELPER, { eval: true, execArgv: [] });
    w.on('message', (buf: ArrayBuffer) => {
      const n = this.asked.get(buf.byteLength) ?? 0;
      this.asked.set(buf.byteLength, Math.max(0, n - 1));
      this.keep(buf);
    });
    const gone = () => {
      // Without the helper chunks are allocated on the spot, as before it existed.
      this.helper = undefined;
      this.broken = true;
      this.asked.clear();
    };
    w.on('error', gone);
    w.on('exit', gone);
    // After the listeners: adding a 'message' listener refs a worker again (a CLI run never exited).
    w.unref(); // never keeps the process alive
    this.helper = w;
    return w;
  }
}

/** The process's one pool (pending chunks of every vector and collection). */
export const chunkMemory = new ChunkMemory();
