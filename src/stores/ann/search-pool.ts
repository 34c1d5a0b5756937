import { totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MetricKind, ScalarKind } from 'usearch';
import type { Matches as GraphMatches } from './row-rescore.mjs';
import type { SharedRows } from './row-store.js';
import { CpuSaturation } from './cpu-saturation.js';

/** What a worker needs to map a saved graph file and search it exactly as the owning VectorIndex would. */
export interface SharedGraph {
  file: string;
  /** The file's inode, mtime and size: a file rewritten under the same name is mapped afresh. */
  stamp: string;
  /**
   * The vector the file is a generation of (one per named vector of a collection): a worker opening a file drops
   * the others of its slot, never searched again, so their memory is freed at once.
   */
  slot?: string;
  dim: number;
  metric: MetricKind;
  quantization: ScalarKind;
  connectivity: number;
  expansionSearch: number;
  /** The id of the exact f32 rows of a reduced-precision graph (shared with the workers): matches are re-scored. */
  rows?: string;
}

/** Exact rows a search re-scores against (a RowStore): shared with the workers once, dropped when released. */
export interface RowsOwner {
  shared(): SharedRows;
  onRelease(fn: () => void): void;
}

/** A graph search's matches, best first (keys as numbers, no padding). */
export type { GraphMatches };

/**
 * How many searches more than the least loaded worker a graph's home worker may have in flight and still take the
 * graph's next search. Keeping a graph on one worker keeps its hot upper layers in that core's caches; with the
 * worker running a message's searches graph by graph (search-worker.mjs), search-worker CPU per request at 100k x
 * (384+512+512), 8 clients, engine called directly, fell 11-17% (same process, alternated); over HTTP, where a
 * message mostly carries one request's lists, it was within noise. Past the slack the least loaded worker takes
 * the search, so one busy graph cannot leave a worker idle.
 */
const AFFINITY_SLACK = 1;
/**
 * While the process uses at least this share of the machine's cores (over 100 ms windows; it counts as saturated
 * until the share falls below NARROW_LEAVE), every search goes to the first worker: on 2 cores a saturated server
 * runs the event loop, two search threads and the BM25 read thread there, and a second search thread only takes CPU
 * from the event loop; below it, two threads run a request's lists in parallel. bench/latency at 100k on 2 cores
 * (~0.85 of the cores at saturation, ~0.6 at 150 req/s), A/B against two fixed threads, 18 rounds: closed loop
 * unchanged (req/s 1.004x, p99 1.014x), p99 at 150 req/s offered 0.54x [0.36, 0.81] (see the README).
 */
export const NARROW_WHEN_SATURATED = 0.8;
const NARROW_LEAVE = 0.65;

function defaultNarrowing(): () => boolean {
  const cpu = new CpuSaturation({ enter: NARROW_WHEN_SATURATED, leave: NARROW_LEAVE });
  return () => cpu.isSaturated();
}

/** Graph files remembered with a home worker (generations replace files; see homeOf). */
const MAX_HOMES = 256;

/**
 * Bytes of graph files each search worker copies into its own memory (usearch `load`) before it maps the rest
 * (`view`): 256 MiB, or 1/64 of the machine's memory where that is less. A search on a private copy ran faster under
 * serving load than on the shared mapping (bench/latency A/B at 100k x (384+512+512) i8, 185 MB of graphs, runs with
 * data copies swapped in three sessions: closed-loop p99 0.86-0.87x, req/s 1.02-1.05x; see the README). Each worker holds its
 * own copies (a graph is searched by its home worker and, under load, by the others), so the memory is up to
 * workers x this. A 1M x 384 graph (~530 MB) stays mapped at the default.
 */
export const DEFAULT_COPY_BYTES = Math.min(256 * 2 ** 20, Math.floor(totalmem() / 64));

/** A worker's open graphs (diagnostics, tests). */
export interface WorkerGraphs {
  copies: number;
  mapped: number;
  copiedBytes: number;
  /** Files copied since the worker started. */
  loads: number;
}

/** One search waiting to be sent. */
interface Queued {
  graph: SharedGraph;
  query: Float32Array;
  k: number;
  resolve: (m: GraphMatches) => void;
  reject: (e: Error) => void;
}

/** A message in flight: the searches it carries, answered in order. */
type Batch = Queued[];

interface Slot {
  worker: Worker;
  inFlight: Map<number, Batch>;
  /** Searches in flight on this worker (the load measure for picking one). */
  searches: number;
  /** Searches this worker answered (diagnostics, tests). */
  answered: number;
}

type Reply =
  | {
      id: number;
      results: (GraphMatches | { error: string })[];
    }
  | { id: number; error: string }
  | { id: number; stats: WorkerGraphs };

/**
 * Worker threads that search saved HNSW graph files, each copied into the worker's memory while the copies fit in
 * `copyBytes`, memory-mapped read-only past that (the pages shared with the main thread's own mapping). Node runs every in-process search on one event loop; a graph
 * search is the largest synchronous piece of a request (3 x ~3 ms at 100k x 512-d), so moving it here lets the
 * other core search while the event loop parses, ranks and logs.
 *
 * Searches started together (one request's vector lists: retrieve starts them in one go, and they reach here a few
 * microtasks later; under load, several requests' lists) go as at most ONE message per worker: a postMessage round
 * trip cost ~0.4 ms of the event loop per search under load, three per request. Each graph has a home worker that
 * takes its searches unless it is busier than the least loaded by more than AFFINITY_SLACK, so a request's lists
 * still run in parallel (sending a request's lists whole to one worker ran them one after another: closed-loop
 * throughput at 100k fell from ~100 to ~60 req/s).
 */
export class SearchPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private queue: Queued[] = [];
  /** Searches answered by a worker (diagnostics, tests). */
  completed = 0;
  /** Messages sent to workers (diagnostics, tests: fewer than `completed` when searches were batched). */
  messages = 0;
  private closed = false;
  /** Row chunks the workers hold, by rows id (every worker gets each chunk once, a new worker all of them). */
  private readonly rows = new Map<string, SharedRows>();
  private readonly rowsSent = new Map<string, number>();
  /** Each graph file's home worker (index into slots). */
  private readonly homes = new Map<string, number>();
  private nextHome = 0;
  private readonly statsWaiting = new Map<number, (s: WorkerGraphs) => void>();

  /** Searches sent while the pool was narrowed to its first worker (diagnostics, tests). */
  narrowedSearches = 0;

  /**
   * @param size worker threads
   * @param minGraph graphs smaller than this are searched in the calling thread (a message round trip costs more)
   * @param copyBytes graph bytes each worker copies into its own memory; bigger graphs past it are mapped
   * @param narrow whether to send every search to the first worker for now (default: while the process keeps the
   *   cores busy, see NARROW_WHEN_SATURATED)
   */
  constructor(
    readonly size: number,
    readonly minGraph = 10_000,
    readonly copyBytes = DEFAULT_COPY_BYTES,
    private readonly narrow: () => boolean = defaultNarrowing(),
  ) {}

  search(
    graph: SharedGraph,
    query: Float32Array,
    k: number,
    rows?: RowsOwner,
  ): Promise<GraphMatches> {
    if (this.closed) return Promise.reject(new Error('search pool closed'));
    if (rows) this.shareRows(rows);
    return new Promise<GraphMatches>((resolve, reject) => {
      // A view into a larger buffer would be cloned whole: send just the query's floats.
      const q = query.byteLength === query.buffer.byteLength ? query : query.slice();
      this.queue.push({ graph, query: q, k, resolve, reject });
      // Sent after the microtasks already queued have run (the other lists of the same request), not in a later
      // turn of the event loop: no search waits for unrelated work.
      if (this.queue.length === 1) queueMicrotask(() => queueMicrotask(() => this.flush()));
    });
  }

  /** Each started worker's open graphs, in worker order (diagnostics, tests). */
  async workerGraphs(): Promise<WorkerGraphs[]> {
    return Promise.all(
      this.slots.map(
        (s) =>
          new Promise<WorkerGraphs>((resolve) => {
            const id = this.nextId++;
            this.statsWaiting.set(id, resolve);
            s.worker.postMessage({ id, stats: true });
          }),
      ),
    );
  }

  /** Searches answered by each worker so far, in worker order (diagnostics, tests). */
  answeredBy(): number[] {
    return this.slots.map((s) => s.answered);
  }

  /**
   * Keeps the workers' copy of `owner`'s rows current: chunks allocated since the last search are posted to every
   * worker now, ahead of any search message that may need them (messages to a worker arrive in order).
   */
  private shareRows(owner: RowsOwner): void {
    const rows = owner.shared();
    const sent = this.rowsSent.get(rows.id);
    if (sent === rows.chunks.length) return;
    if (sent === undefined) owner.onRelease(() => this.dropRows(rows.id));
    this.rows.set(rows.id, rows);
    this.rowsSent.set(rows.id, rows.chunks.length);
    const msg = { rows: { ...rows, chunks: rows.chunks.slice(sent ?? 0), from: sent ?? 0 } };
    for (const s of this.slots) s.worker.postMessage(msg);
  }

  private dropRows(id: string): void {
    if (!this.rows.delete(id)) return;
    this.rowsSent.delete(id);
    for (const s of this.slots) s.worker.postMessage({ drop: id });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    // Searches still queued or in flight fall back to their caller's thread.
    const err = new Error('search pool closed');
    for (const q of this.queue) q.reject(err);
    this.queue = [];
    for (const s of this.slots) {
      for (const batch of s.inFlight.values()) for (const q of batch) q.reject(err);
      s.inFlight.clear();
    }
  }

  private flush(): void {
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    if (this.closed) {
      for (const q of queue) q.reject(new Error('search pool closed'));
      return;
    }
    // Threads start with the first search that needs them (stores that only hold small graphs start none).
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    if (this.size > 1 && this.narrow()) {
      // The cores are busy: another search thread would only take CPU from the event loop every request needs.
      this.narrowedSearches += queue.length;
      this.send(this.slots[0]!, queue);
      return;
    }
    // Each search to its graph's home worker unless that one has more than AFFINITY_SLACK searches in flight beyond
    // the least loaded (counting this flush's): at most one message per worker.
    const parts = new Map<Slot, Batch>();
    const load = new Map(this.slots.map((s) => [s, s.searches]));
    for (const q of queue) {
      let least = this.slots[0]!;
      for (const s of this.slots) if (load.get(s)! < load.get(least)!) least = s;
      const home = this.slots[this.homeOf(q.graph.file)]!;
      const slot = load.get(home)! <= load.get(least)! + AFFINITY_SLACK ? home : least;
      load.set(slot, load.get(slot)! + 1);
      const part = parts.get(slot);
      if (part) part.push(q);
      else parts.set(slot, [q]);
    }
    for (const [slot, batch] of parts) this.send(slot, batch);
  }

  /** The worker that searches `file` when it is not much busier than the others (assigned in turn, first come). */
  private homeOf(file: string): number {
    let home = this.homes.get(file);
    if (home === undefined) {
      // Files of dropped generations are never searched again: forget them all now and then (homes reassigned).
      if (this.homes.size >= MAX_HOMES) this.homes.clear();
      this.homes.set(file, (home = this.nextHome++ % this.size));
    }
    return home;
  }

  private send(slot: Slot, batch: Batch): void {
    const id = this.nextId++;
    slot.inFlight.set(id, batch);
    if (slot.searches === 0) slot.worker.ref();
    slot.searches += batch.length;
    this.messages++;
    slot.worker.postMessage({
      id,
      searches: batch.map((q) => ({ ...q.graph, query: q.query, k: q.k })),
    });
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./search-worker.mjs', import.meta.url), {
      workerData: { copyBytes: this.copyBytes },
    });
    const slot: Slot = { worker, inFlight: new Map(), searches: 0, answered: 0 };
    // Every row chunk shared so far (a worker replacing one that died, or started after rows were shared).
    for (const rows of this.rows.values())
      worker.postMessage({
        rows: { ...rows, chunks: rows.chunks.slice(0, this.rowsSent.get(rows.id)), from: 0 },
      });
    const settled = (id: number): Batch | undefined => {
      const batch = slot.inFlight.get(id);
      if (!batch) return undefined;
      slot.inFlight.delete(id);
      slot.searches -= batch.length;
      if (slot.searches === 0) worker.unref();
      return batch;
    };
    worker.on('message', (m: Reply) => {
      if ('stats' in m) {
        this.statsWaiting.get(m.id)?.(m.stats);
        this.statsWaiting.delete(m.id);
        return;
      }
      const batch = settled(m.id);
      if (!batch) return;
      batch.forEach((q, i) => {
        const r = 'results' in m ? m.results[i] : { error: m.error };
        if (!r || 'error' in r) q.reject(new Error(r?.error ?? 'search worker gave no answer'));
        else {
          this.completed++;
          slot.answered++;
          q.resolve(r);
        }
      });
    });
    const fail = (e: Error) => {
      for (const id of [...slot.inFlight.keys()]) for (const q of settled(id)!) q.reject(e);
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
    // An idle pool never keeps the process alive; a search in flight does. After the listeners: adding a
    // 'message' listener refs a worker again.
    worker.unref();
    return slot;
  }
}
