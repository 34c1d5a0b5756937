import { Worker } from 'node:worker_threads';
import type { MetricKind, ScalarKind } from 'usearch';

/** What a worker needs to map a saved graph file and search it exactly as the owning VectorIndex would. */
export interface SharedGraph {
  file: string;
  /** The file's inode, mtime and size: a file rewritten under the same name is mapped afresh. */
  stamp: string;
  dim: number;
  metric: MetricKind;
  quantization: ScalarKind;
  connectivity: number;
  expansionSearch: number;
}

export interface GraphMatches {
  keys: BigUint64Array;
  distances: Float32Array;
}

interface Pending {
  resolve: (m: GraphMatches) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending>;
}

/**
 * Worker threads that search saved HNSW graph files, memory-mapped read-only (the pages are shared with the main
 * thread's own mapping, so no memory is copied). Node runs every in-process search on one event loop; a graph
 * search is the largest synchronous piece of a request (3 x ~3 ms at 100k x 512-d), so moving it here lets the
 * other core search while the event loop parses, ranks and logs. Each search goes to the least busy worker.
 */
export class SearchPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  /** Searches answered by a worker (diagnostics, tests). */
  completed = 0;
  private closed = false;

  /**
   * @param size worker threads
   * @param minGraph graphs smaller than this are searched in the calling thread (a message round trip costs more)
   */
  constructor(
    readonly size: number,
    readonly minGraph = 10_000,
  ) {}

  search(graph: SharedGraph, query: Float32Array, k: number): Promise<GraphMatches> {
    if (this.closed) return Promise.reject(new Error('search pool closed'));
    // Threads start with the first search that needs them (stores that only hold small graphs start none).
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.inFlight.size < slot.inFlight.size) slot = s;
    const id = this.nextId++;
    return new Promise<GraphMatches>((resolve, reject) => {
      slot.inFlight.set(id, { resolve, reject });
      if (slot.inFlight.size === 1) slot.worker.ref();
      // A view into a larger buffer would be cloned whole: send just the query's floats.
      const q = query.byteLength === query.buffer.byteLength ? query : query.slice();
      slot.worker.postMessage({ id, ...graph, query: q, k });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    // Searches still in flight fall back to their caller's thread.
    for (const s of this.slots) {
      for (const p of s.inFlight.values()) p.reject(new Error('search pool closed'));
      s.inFlight.clear();
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./search-worker.mjs', import.meta.url));
    const slot: Slot = { worker, inFlight: new Map() };
    // An idle pool never keeps the process alive; a search in flight does.
    worker.unref();
    worker.on(
      'message',
      (m: { id: number; keys?: BigUint64Array; distances?: Float32Array; error?: string }) => {
        const p = slot.inFlight.get(m.id);
        if (!p) return;
        slot.inFlight.delete(m.id);
        if (slot.inFlight.size === 0) worker.unref();
        if (m.error !== undefined) p.reject(new Error(m.error));
        else {
          this.completed++;
          p.resolve({ keys: m.keys!, distances: m.distances! });
        }
      },
    );
    const fail = (e: Error) => {
      for (const p of slot.inFlight.values()) p.reject(e);
      slot.inFlight.clear();
      // A worker that died is replaced, so one bad file never disables offloading for good.
      if (!this.closed) {
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots[i] = this.spawn();
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`search worker exited with code ${code}`));
    });
    return slot;
  }
}
