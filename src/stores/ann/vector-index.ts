import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exactSearch, Index, MetricKind, ScalarKind } from 'usearch';
import type { Distance } from '../../domain/modality.js';
import { graphFileCounts, graphMapSafe } from './graph-file.js';
import { cosineCodes, PendingBuffer } from './pending.js';
import { rescore, rescoreFetch, scoreRows, toI8, toMatches } from './row-rescore.mjs';
import { RowStore } from './row-store.js';
import { relinkStranded } from './stranded.js';
import type { GraphMatches, SearchPool, SharedGraph } from './search-pool.js';

/** HNSW build and search settings, the same for every named vector (bench/store.ts measures them). */
export interface HnswParams {
  connectivity: number;
  expansionAdd: number;
  /**
   * Beam width at search (f32 graphs: at least 128, over 384-d 192, see searchEf); usearch widens it to k when k is
   * larger. Search-time only: a saved index opens as it is whatever this is.
   */
  expansionSearch: number;
  /**
   * How the graph stores vectors. A reduced-precision graph (i8: a quarter of the bytes per hop, cosine vectors
   * only, others keep f32; f16: half) only picks the candidates, as many as its beam (see rescoreFetch); their
   * scores are computed again from the exact f32 rows, held in shared memory (RowStore, a flat file beside the graph)
   * that the search workers read directly. The graph walk is bound by memory latency (a 2 KB f32 row per hop at
   * 512-d), so fewer bytes per hop is what makes it cheaper.
   */
  quantization?: 'f32' | 'f16' | 'i8';
  /**
   * Build each graph as a pure function of its rows in insertion order (config `ann.deterministic`; benchmarks and
   * tests that compare separate runs). usearch draws a node's level from a per-thread generator that it re-seeds
   * whenever the graph grows, so a graph otherwise depends on the absorber's time-sliced batches and, for parallel
   * adds, on which thread took a row. Here rows go in whole CHUNK_ROWS blocks in a fixed order (a block once full;
   * the last, partial one only at a flush), on one thread, and the graph grows only at fixed sizes (addOrdered).
   * Costs: flushes and rebuilds add on one thread; up to CHUNK_ROWS - 1 rows per vector stay in the exact scan
   * until a flush. Guaranteed for a graph built in this process from empty (a graph opened from a file keeps
   * usearch's per-thread contexts until it first grows). Not a build setting: a saved index opens either way.
   */
  deterministic?: boolean;
}

/**
 * f32 graphs (no re-score: their own ranking is the answer) search with at least F32_EF, and vectors wider than
 * WIDE_DIM with at least WIDE_EF: recall@10 against exact search at 100k items (bench/latency.ts data, M 16, 100
 * queries) was 0.938 / 0.947 for the two 512-d lists at ef 128, 0.967 / 0.957 at 160, 0.977 / 0.967 at 192; the
 * 384-d list was 0.974 at 128 already. The graph files do not change (ef is search-time only).
 */
const F32_EF = 128;
const WIDE_DIM = 384;
const WIDE_EF = 192;

/**
 * The beam width a vector of `dim` dimensions searches with (usearch widens it to k). A re-scored graph takes
 * expansionSearch as it is (default 100, see HNSW_PARAMS) and re-scores as many candidates as its beam.
 */
export function searchEf(params: HnswParams, dim: number, rescored = false): number {
  if (rescored) return params.expansionSearch;
  return Math.max(params.expansionSearch, dim > WIDE_DIM ? WIDE_EF : F32_EF);
}

/** How a graph of `distance` vectors stores them under `params` (i8 is for cosine only: see toI8). */
export function graphScalar(params: HnswParams, distance: Distance): ScalarKind {
  if (params.quantization === 'f16') return ScalarKind.F16;
  if (params.quantization === 'i8' && distance === 'cosine') return ScalarKind.I8;
  return ScalarKind.F32;
}

/**
 * M 16 with efConstruction 256 (was M 24 / 128; bench/ann-degree.ts, same data and run, i8 graphs as the store
 * builds them, beam 100, k 100, exact re-score): a hop reads 32 layer-0 neighbours instead of 48. bench/latency's data
 * at 100k: walk CPU 0.71-0.73x of M 24's per list, recall@10 text/image/audio 0.991/0.991/0.990 (M 24
 * 0.991/0.998/0.993; M 16 at efConstruction 128: same walk cost, 0.983/0.979/0.972, through the store's rebuild
 * 0.977/0.966/0.964; M 12: 0.56-0.59x, 0.944/0.936/0.931). Embedding-like data (100k x 384 / 512): walk 0.95x,
 * recall@10 0.995/0.994 (M 24 0.995/0.991). A build costs more CPU per row than M 24 / 128 (see the README).
 * ef 100: a re-scored graph's beam is max(k, ef) and it re-scores that many candidates; the engine asks 100 per
 * list (search.candidatesPerModality), so its walks are beam-100 walks whatever a lower ef. Lower beams measured on
 * bench/latency data at 100k (512 queries, re-scored top 10 vs exact; walk + re-score CPU per search, one thread):
 * beam 100 recall@10 text/image/audio 0.992/0.998/0.993 at 0.76/0.92/0.91 ms, 80 0.992/0.994/0.993 at
 * 0.63/0.76/0.75 ms, 64 0.989/0.976/0.981 at 0.50/0.62/0.61 ms, 50 0.981/0.955/0.968. 64 candidates per list
 * with ef 64 served ~1.17x the req/s at 100k (bench/latency A/B, two runs with the data copies swapped: search-worker
 * CPU -22%, server CPU -18% per request) but cost untrained weighted fusion nDCG@10 -0.011 [-0.014, -0.007] in
 * bench/multimodal's vector world (1,500 items, 750 held-out intents; RRF -0.002 [-0.006, +0.002]): a ranking-quality
 * decision left to the engine's default (search.candidatesPerModality), which stays 100.
 * Search-time only: changing it never rebuilds a saved index.
 */
export const HNSW_PARAMS: HnswParams = {
  connectivity: 16,
  expansionAdd: 256,
  expansionSearch: 100,
  quantization: 'i8',
};

const METRIC: Record<Distance, MetricKind> = {
  cosine: MetricKind.Cos,
  dot: MetricKind.IP,
  l2: MetricKind.L2sq,
};

/** One neighbour: the usearch key and its distance (usearch units: 1-cos, 1-dot, squared l2). */
export interface KeyHit {
  key: number;
  distance: number;
}

/** Above this many pending rows a cosine scan goes through int8 codes first (see scanCodes). */
const PREFILTER_MIN_ROWS = 4096;
const PREFILTER_OVERFETCH = 4;
const PREFILTER_EXTRA = 32;
/** Rows exactAmong copies and scores per native call (the reused copy grows to 2 MiB at 512 dimensions). */
const EXACT_BLOCK_ROWS = 1_024;

/** How a vector's index was persisted: its graph file plus the rows and removals that file does not reflect. */
export interface SavedVectorState {
  /** The graph file (a basename in the index directory). */
  file: string;
  /** The exact f32 rows of a reduced-precision graph by key (RowStore's file; a basename), holding every key it has. */
  exactRows?: string;
  /** Rows to search exactly and absorb again on open (keys, and their vectors in `rowsFile`). */
  rowKeys: number[];
  rowsFile?: string;
  /** Keys the graph file still holds that are dead (removed or replaced since it was written). */
  dead: number[];
}

/** Rows absorbed since the graph file was written are kept (to save them cheaply) up to this many floats. */
const TAIL_MAX_FLOATS = 16 * 2 ** 20;
/**
 * A memory-mapped graph is copied into memory (promote: usearch's synchronous `load`, 2.1 s of blocked event loop
 * for a 533 MB graph at 1M x 384) on the first write only when its file is at most COPY_MAX_BYTES (a copy of about
 * 30 ms at that rate); a bigger one only once DEFERRED_MAX of its keys are dead or its delta graph holds
 * TAIL_MAX_FLOATS: until then new rows go into the delta graph and removals are read past (graphWant).
 */
const COPY_MAX_BYTES = 8 * 2 ** 20;
const DEFERRED_MAX = 4096;
/** Dead keys of a mapped graph a search reads past before it asks again past all of them (see graphWant). */
const READ_PAST = 16;

/**
 * The ANN index of one named vector: an HNSW graph (built here, or memory-mapped from a saved file) plus the pending
 * rows written since, which search scans exactly. A memory-mapped graph stays read-only after writes: the rows
 * absorbed meanwhile go into a small in-memory delta graph searched beside it, so no write waits for the big graph
 * to be copied into memory (see DEFERRED_MAX for when it is, and flushes, which copy it at once).
 *
 * Saving never waits for the graph to absorb anything: a save writes the graph file only when asked and changed,
 * and otherwise the rows the last graph file lacks (absorbed since, or still pending) as one flat file, plus the
 * keys that file holds but are dead. Opening maps the graph and puts those rows back in the pending scan.
 */
export class VectorIndex {
  private graph: Index;
  /** A graph opened with `view` is read-only until `promote` loads a private copy. */
  private viewedFrom: string | undefined;
  /**
   * Rows absorbed while the graph is memory-mapped (their f32 rows are in `tail`: savedFile is the mapped file).
   * Keys are never reused, so a key is in the delta or the mapped graph, never both.
   */
  private delta: Index | undefined;
  /** Keys removed from the delta graph (their rows stay in `tail` until a save or promote drops them). */
  private deltaDead = 0;
  /** The saved exact rows the mapped graph was opened with (a save names them while the graph stays mapped). */
  private savedRows: RowStore | undefined;
  /** A mapped graph small enough to copy into memory on the first write (see COPY_MAX_BYTES). */
  private copyOnWrite = false;
  private readonly pending: PendingBuffer;
  /** Dead keys still inside a read-only graph (removed once it is promoted): search reads this much deeper. */
  private deferred: number[] = [];
  /**
   * Dead keys usearch failed to remove (see removeFromGraph): still present nodes that a search returns, so it reads
   * this much deeper too; tried again once the graph has grown (a growth rebuilds usearch's key table).
   */
  private stuck = new Set<number>();
  private stuckTriedAt = 0;
  private pendingDead = 0;
  /** The last graph file written or opened; undefined until the graph has been saved once (or after overflow). */
  private savedFile: string | undefined;
  /** Rows absorbed into the graph since `savedFile` was written (what a save without the graph must keep). */
  private tail: PendingBuffer;
  /** Keys removed from the graph since `savedFile` was written (that file still holds them). */
  private removedSinceSave: number[] = [];
  /** Threads the graph's contexts were last sized for (1 for a graph opened from a file). */
  private reservedThreads = 1;
  /** sharedGraph()'s answer for `savedFile` (a stat per file, not per search). */
  private shared: { file: string; rows: string | undefined; graph: SharedGraph } | undefined;
  /** Exact rows of every key in a reduced-precision graph (undefined for an f32 graph: its distances are exact). */
  private rows: RowStore | undefined;
  private readonly scalar: ScalarKind;
  /** Rows a parallel add left unreachable and that were added again (see relinkStranded). */
  relinked = 0;
  /**
   * Whether `savedFile` can be mapped or loaded again (see graphMapSafe: a graph saved with many removed nodes
   * cannot): a file that cannot is never handed to the search workers, and the next open rebuilds from the table.
   */
  savedMapSafe = true;

  /**
   * @param exact where a reduced-precision graph keeps its exact rows: `rows` (default: in memory), and `fork`, a
   *   fresh file name for a writable copy when `rows` is a saved read-only file and the graph must change.
   */
  constructor(
    readonly dim: number,
    readonly distance: Distance,
    private readonly params: HnswParams,
    private readonly exact?: { rows: RowStore; fork: () => string },
  ) {
    this.scalar = graphScalar(params, distance);
    this.graph = this.newGraph();
    this.pending = new PendingBuffer(dim, distance === 'cosine');
    this.tail = new PendingBuffer(dim);
    if (this.scalar !== ScalarKind.F32) this.rows = exact?.rows ?? RowStore.memory(dim);
  }

  /** Memory-maps a saved graph (read-only; fast whatever its size) and restores the rows and removals it lacks. */
  static view(
    file: string,
    dim: number,
    distance: Distance,
    params: HnswParams,
    restore?: { keys: number[]; rows: Float32Array; dead: number[] },
    exact?: { rows: RowStore; fork: () => string },
    copyMaxBytes = COPY_MAX_BYTES,
  ): VectorIndex {
    const index = new VectorIndex(dim, distance, params, exact);
    if (index.rows && !exact)
      throw new Error(`${file}: a reduced-precision graph needs its exact rows`);
    const counts = graphFileCounts(file);
    if (!graphMapSafe(counts.total, counts.present))
      throw new Error(`${file}: too many removed nodes to open (${counts.total - counts.present})`);
    index.graph.view(file);
    if (index.graph.dimensions() !== dim)
      throw new Error(`${file}: dimension ${index.graph.dimensions()} != ${dim}`);
    index.viewedFrom = file;
    index.savedFile = file;
    index.savedRows = index.rows;
    index.copyOnWrite = statSync(file).size <= copyMaxBytes;
    if (restore) {
      if (restore.rows.length !== restore.keys.length * dim)
        throw new Error(`${file}: saved rows do not match their keys`);
      index.pending.pushMany(restore.keys, restore.rows);
      index.deferred = [...restore.dead];
    }
    return index;
  }

  /** Live rows in the graphs (a mapped graph's deferred keys are dead: read past, not yet removed). */
  get graphSize(): number {
    return this.graph.size() - this.deferred.length + (this.delta?.size() ?? 0);
  }

  get pendingSize(): number {
    return this.pending.length;
  }

  /**
   * Whether work remains for the absorber: rows to absorb, removals to apply to a writable graph, or a mapped graph
   * due to be copied (see DEFERRED_MAX). A flush also folds a delta graph in (see needsFold).
   */
  get hasWork(): boolean {
    return this.pending.length > 0 || (this.deferred.length > 0 && !this.keepsMapped);
  }

  /** A flush's extra work on a mapped graph: the delta graph and the deferred removals folded into one graph. */
  get needsFold(): boolean {
    return this.viewedFrom !== undefined && (this.delta !== undefined || this.deferred.length > 0);
  }

  /** Whether the background absorber has work (deterministic: only full blocks of rows; see HnswParams). */
  get hasBackgroundWork(): boolean {
    if (!this.params.deterministic) return this.hasWork;
    return this.deferred.length > 0 || this.pending.hasOrdered(false);
  }

  /**
   * Whether writes leave the mapped graph as it is (rows into the delta graph, removals deferred). Deterministic
   * indexes copy it on the first write as before (a delta graph would make the graph depend on when a save ran).
   */
  private get keepsMapped(): boolean {
    if (!this.viewedFrom || this.params.deterministic || this.copyOnWrite) return false;
    return this.deferred.length < DEFERRED_MAX && this.tail.length * this.dim <= TAIL_MAX_FLOATS;
  }

  add(key: number, vector: Float32Array): void {
    this.pending.push(key, vector);
  }

  /** Drops a dead key: skipped when absorbed, removed from a writable graph, deferred on a read-only one. */
  remove(key: number): void {
    if (this.pending.has(key)) this.pendingDead++;
    else if (this.delta?.contains(BigInt(key))) {
      this.delta.remove(BigInt(key));
      this.deltaDead++;
    } else if (!this.graph.contains(BigInt(key))) return;
    else if (this.viewedFrom) this.deferred.push(key);
    else {
      this.removeFromGraph([key]);
      if (this.savedFile) this.removedSinceSave.push(key);
    }
  }

  /**
   * The k nearest live keys: the graph (reading deeper by the dead keys it may still hold) and an exact scan of the
   * pending rows, merged. `live` must reject dead keys; `accept` is an optional extra test (a filter).
   */
  search(query: Float32Array, k: number, live: (key: number) => boolean): KeyHit[] {
    const out: KeyHit[] = [];
    if (this.graph.size() > 0) {
      let res = this.searchGraph(this.graph, query, this.graphWant(k, false));
      if (this.shortOfLive(res, k, live))
        res = this.searchGraph(this.graph, query, this.graphWant(k, true));
      this.mergeGraph(res, live, out);
    }
    return finish(out, this.searchDelta(query, k, live, this.searchPending(query, k, live)), k);
  }

  /** The delta graph's k nearest live keys appended to `out` (a removed delta key is gone from the delta graph). */
  private searchDelta(
    query: Float32Array,
    k: number,
    live: (key: number) => boolean,
    out: KeyHit[],
  ): KeyHit[] {
    const delta = this.delta;
    if (delta && delta.size() > 0)
      this.mergeGraph(this.searchGraph(delta, query, Math.min(delta.size(), k)), live, out);
    return out;
  }

  /**
   * The same search with the graph part run by `pool` on the saved file the graph equals (another thread), when
   * there is one; else in this thread. The pending rows are scanned first, so rows the absorber moves into the
   * graph while the worker searches its file are still found; keys that die meanwhile are dropped by `live`.
   */
  async searchShared(
    query: Float32Array,
    k: number,
    live: (key: number) => boolean,
    pool: SearchPool,
  ): Promise<KeyHit[]> {
    const shared = this.graph.size() >= pool.minGraph ? this.sharedGraph() : undefined;
    if (!shared) return this.search(query, k, live);
    // Before the await: a row the absorber moves from pending into the delta graph meanwhile is found once.
    const pending = this.searchDelta(query, k, live, this.searchPending(query, k, live));
    let res: GraphMatches;
    try {
      res = await pool.search(shared, query, this.graphWant(k, false), this.rows);
      if (this.shortOfLive(res, k, live))
        res = await pool.search(shared, query, this.graphWant(k, true), this.rows);
    } catch {
      return this.search(query, k, live); // a worker that failed (file gone, worker died): search here
    }
    const out: KeyHit[] = [];
    this.mergeGraph(res, live, out);
    return finish(
      out,
      pending.filter((h) => live(h.key)),
      k,
    );
  }

  /**
   * The saved graph file this graph equals, for a read-only search from another thread: the mapped file itself,
   * or the last file written while nothing was absorbed or removed since. Its inode and mtime are part of the
   * identity, so a file rewritten under the same name (a rebuild) is never served from an old mapping.
   */
  sharedGraph(): SharedGraph | undefined {
    const file = this.savedFile;
    if (!file || this.graph.size() === 0 || !this.savedMapSafe) return undefined;
    if (!this.viewedFrom && (this.tail.length > 0 || this.removedSinceSave.length > 0))
      return undefined;
    const rows = this.rows?.id;
    if (this.shared?.file !== file || this.shared.rows !== rows) {
      let stamp: string;
      try {
        const st = statSync(file);
        stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
      } catch {
        return undefined;
      }
      this.shared = {
        file,
        rows,
        graph: {
          file,
          stamp,
          // persist() names a vector's files `v<i>-<generation>.usearch`: the generations of one vector share a slot.
          slot: file.replace(/-[^-/\\]*\.usearch$/, ''),
          rows: this.rows?.id,
          dim: this.dim,
          metric: METRIC[this.distance],
          quantization: this.scalar,
          connectivity: this.params.connectivity,
          expansionSearch: searchEf(this.params, this.dim, this.rows !== undefined),
        },
      };
    }
    return this.shared.graph;
  }

  /**
   * The graph's matches; a reduced-precision graph is asked for more candidates (rescoreFetch), re-scored from the
   * exact rows and cut to `want`.
   */
  private searchGraph(graph: Index, query: Float32Array, want: number): GraphMatches {
    const rows = this.rows;
    if (!rows) return toMatches(graph.search(query, want, 1));
    const q = this.scalar === ScalarKind.I8 ? toI8(query, this.dim) : query;
    const ef = searchEf(this.params, this.dim, true);
    const res = graph.search(q, rescoreFetch(want, graph.size(), ef), 1);
    return rescore(res, query, this.dim, METRIC[this.distance], rows, want);
  }

  /**
   * How many graph matches to ask for k live ones: past every dead key it holds (deferred or stuck) when `deep`,
   * else past at most READ_PAST of them (most dead keys are nowhere near a given query; a search that comes back
   * short of k live matches is asked again `deep`). Reading past all of them each time made every beam k + dead.
   */
  private graphWant(k: number, deep: boolean): number {
    const dead = this.deferred.length + this.stuck.size;
    const past = deep ? dead : Math.min(dead, READ_PAST);
    return Math.min(this.graph.size(), k + past);
  }

  /** Whether a search asked for graphWant(k, false) may have missed live matches the graph holds. */
  private shortOfLive(res: GraphMatches, k: number, live: (key: number) => boolean): boolean {
    if (res.keys.length < this.graphWant(k, false)) return false;
    if (this.graphWant(k, true) === this.graphWant(k, false)) return false;
    let n = 0;
    for (const key of res.keys) if (live(key) && ++n >= k) return false;
    return true;
  }

  /**
   * Removes dead keys from the (writable) graph. usearch 2.25 sometimes cannot: remove() answers 0 while contains()
   * stays true (after many removals its key table has no free slot left: 5,000 x 16-d keys of the 5th round of
   * remove-all-and-add-as-many all stuck). Such a key stays a present node; it is kept in `stuck`.
   */
  private removeFromGraph(keys: readonly number[]): void {
    if (keys.length === 0) return;
    const removed = this.graph.remove(BigUint64Array.from(keys, BigInt)) as number[];
    keys.forEach((key, i) => {
      if (removed[i] !== 0 || !this.graph.contains(BigInt(key))) return;
      this.stuck.add(key);
      this.stuckTriedAt = this.graph.capacity();
    });
  }

  /** Tries the stuck keys again once the graph's capacity changed since the last try (its key table was rebuilt). */
  private retryStuck(): void {
    if (this.stuck.size === 0 || this.graph.capacity() === this.stuckTriedAt) return;
    const keys = [...this.stuck];
    this.stuck.clear();
    this.removeFromGraph(keys);
    // Removed now: a graph file written meanwhile still holds them (a save lists them as dead).
    if (this.savedFile)
      for (const key of keys) if (!this.stuck.has(key)) this.removedSinceSave.push(key);
  }

  private mergeGraph(res: GraphMatches, live: (key: number) => boolean, out: KeyHit[]): void {
    for (let i = 0; i < res.keys.length; i++) {
      const key = res.keys[i]!;
      if (live(key)) out.push({ key, distance: res.distances[i]! });
    }
  }

  /** Exact scan of the rows not yet in the graph. */
  private searchPending(query: Float32Array, k: number, live: (key: number) => boolean): KeyHit[] {
    const out: KeyHit[] = [];
    const n = this.pending.length;
    if (n === 0) return out;
    const want = k + this.pendingDead;
    // exactSearch reads from the start of the ArrayBuffer (ignores byteOffset): give it a query that starts there.
    const q = query.byteOffset === 0 ? query : query.slice();
    if (this.distance === 'cosine' && n > PREFILTER_MIN_ROWS) this.scanCodes(q, want, live, out);
    else
      for (const seg of this.pending.segments()) {
        const res = exactSearch(
          seg.rows,
          q,
          this.dim,
          Math.min(seg.keys.length, want),
          METRIC[this.distance],
          1,
        );
        for (let i = 0; i < res.keys.length; i++) {
          const row = Number(res.keys[i]!);
          if (row >= seg.keys.length) continue;
          const key = seg.keys[row]!;
          if (live(key)) out.push({ key, distance: res.distances[i]! });
        }
      }
    return out;
  }

  /**
   * Cosine scan of many pending rows: their int8 codes pick the candidates (a quarter of the bytes of the float
   * rows; the scan blocked the event loop ~15-20 ms per 512-d vector at 100k pending rows), then the candidates'
   * float rows give the exact distances. Over-fetching PREFILTER_OVERFETCH x keeps the true top k in the candidate
   * set (int8 rounding moves a cosine by ~1e-3).
   *
   * The candidates are the exact top `pick` by int8 distance, found without asking every chunk for `pick` rows
   * (k=100 asked each 1,024-row chunk for 432, and sorting ~42k candidates per 100k rows cost more than the scan):
   * each chunk first gives a share of `pick`; only a chunk whose share all beats the running `pick`-th best can
   * hold more, and is asked again for the full `pick`.
   */
  private scanCodes(
    query: Float32Array,
    want: number,
    live: (key: number) => boolean,
    out: KeyHit[],
  ): void {
    const q8 = new Int8Array(this.dim);
    cosineCodes(query, q8);
    const pick = want * PREFILTER_OVERFETCH + PREFILTER_EXTRA;
    const segs = [...this.pending.segments()];
    const share = Math.min(pick, Math.max(8, Math.ceil((2 * pick) / segs.length)));
    const cands: { seg: number; row: number; d: number }[] = [];
    const asked: number[] = [];
    const scan = (i: number, k: number): void => {
      const seg = segs[i]!;
      const res = exactSearch(seg.codes!, q8, this.dim, k, MetricKind.Cos, 1);
      for (let j = 0; j < res.keys.length; j++) {
        const row = Number(res.keys[j]!);
        if (row < seg.keys.length) cands.push({ seg: i, row, d: res.distances[j]! });
      }
    };
    segs.forEach((seg, i) => {
      const k = Math.min(seg.keys.length, share);
      asked.push(k);
      scan(i, k);
    });
    cands.sort((a, b) => a.d - b.d);
    // Fewer candidates than `pick` so far: every chunk that gave its whole share may hold more.
    const bound = cands.length >= pick ? cands[pick - 1]!.d : Infinity;
    const got = new Array<number>(segs.length).fill(0);
    const worst = new Array<number>(segs.length).fill(-Infinity);
    for (const c of cands) {
      got[c.seg]!++;
      worst[c.seg] = Math.max(worst[c.seg]!, c.d);
    }
    const again = new Set<number>();
    segs.forEach((seg, i) => {
      const full = asked[i]! < Math.min(seg.keys.length, pick) && got[i] === asked[i];
      if (full && worst[i]! <= bound) again.add(i);
    });
    if (again.size) {
      const keep = cands.filter((c) => !again.has(c.seg));
      cands.length = 0;
      cands.push(...keep);
      for (const i of again) scan(i, Math.min(segs[i]!.keys.length, pick));
      cands.sort((a, b) => a.d - b.d);
    }
    let qq = 0;
    for (let j = 0; j < this.dim; j++) qq += query[j]! * query[j]!;
    for (let c = 0; c < Math.min(pick, cands.length); c++) {
      const { seg, row } = cands[c]!;
      const key = segs[seg]!.keys[row]!;
      if (!live(key)) continue;
      const rows = segs[seg]!.rows;
      let dot = 0;
      let vv = 0;
      const at = row * this.dim;
      for (let j = 0; j < this.dim; j++) {
        const x = rows[at + j]!;
        dot += x * query[j]!;
        vv += x * x;
      }
      out.push({ key, distance: qq > 0 && vv > 0 ? 1 - dot / Math.sqrt(qq * vv) : 1 });
    }
  }

  /**
   * The k nearest of the given keys by their exact rows (a selective filter's matches), best first; undefined when
   * this index does not hold every key's f32 row in memory (an f32 graph keeps its rows inside the graph). A
   * reduced-precision graph's rows are in `rows` once absorbed and in the pending buffer until then.
   */
  exactAmong(query: Float32Array, keys: readonly number[], k: number): KeyHit[] | undefined {
    const rows = this.rows;
    if (!rows) return undefined;
    if (k <= 0) return [];
    const dim = this.dim;
    // Keys not absorbed yet: where their rows are in the pending buffer (only the wanted ones are looked up).
    let pendingAt: Map<number, [Float32Array, number]> | undefined;
    if (this.pending.length > 0) {
      pendingAt = new Map();
      const wanted = new Set(keys);
      for (const seg of this.pending.segments())
        for (let r = 0; r < seg.keys.length; r++)
          if (wanted.has(seg.keys[r]!)) pendingAt.set(seg.keys[r]!, [seg.rows, r * dim]);
    }
    const chunks = rows.chunks;
    const per = rows.chunkRows;
    // Scored natively in blocks (see scoreRows), so the copy never holds more than EXACT_BLOCK_ROWS rows.
    const out: KeyHit[] = [];
    for (let from = 0; from < keys.length; from += EXACT_BLOCK_ROWS) {
      const part = keys.slice(from, from + EXACT_BLOCK_ROWS);
      const best = scoreRows(
        part.length,
        (i, into, at) => {
          const key = part[i]!;
          const pendingRow = pendingAt?.get(key);
          if (pendingRow) {
            into.set(pendingRow[0].subarray(pendingRow[1], pendingRow[1] + dim), at);
            return true;
          }
          const row = chunks[Math.floor(key / per)];
          const offset = (key % per) * dim;
          if (!row || offset + dim > row.length) return false;
          into.set(row.subarray(offset, offset + dim), at);
          return true;
        },
        query,
        dim,
        METRIC[this.distance],
        k,
      );
      if (!best) return undefined;
      best.positions.forEach((p, i) => out.push({ key: part[p]!, distance: best.distances[i]! }));
    }
    return out.sort((a, b) => a.distance - b.distance).slice(0, k);
  }

  /**
   * Moves up to `max` pending rows into the graph (copying a memory-mapped graph into memory first). Synchronous
   * native work: callers keep `max` small so a search never waits long behind it. `threads` > 1 (explicit drains
   * only: the background absorber must leave the other cores to writes and searches). `all`: a flush (a
   * deterministic index then also takes its last, partial block). Returns rows absorbed.
   */
  absorb(max: number, live: (key: number) => boolean, threads = 1, all = false): number {
    if (!this.hasWork && !(threads > 1 && this.needsFold)) return 0;
    const ordered = this.params.deterministic === true;
    // Only an explicit drain (threads > 1: a flush, blocking by contract) or a mapped graph past its limits copies
    // the mapped graph; the background absorber otherwise adds to the delta graph (see keepsMapped).
    if (this.viewedFrom && (threads > 1 || !this.keepsMapped)) this.promote();
    if (!this.viewedFrom) this.retryStuck();
    if (this.deferred.length && !this.viewedFrom) {
      this.removeFromGraph(this.deferred);
      // A loop, not push(...deferred): a bulk delete can defer more keys than V8 takes as arguments.
      if (this.savedFile) for (const key of this.deferred) this.removedSinceSave.push(key);
      this.deferred = [];
    }
    const { keys, vectors } = ordered ? this.pending.takeOrdered(max, all) : this.takePending(max);
    const liveRows: number[] = [];
    keys.forEach((k, i) => (live(k) ? liveRows.push(i) : this.pendingDead--));
    if (this.pendingDead < 0 || this.pending.length === 0) this.pendingDead = 0;
    if (liveRows.length === 0) return keys.length;
    let rows = vectors;
    if (liveRows.length < keys.length) {
      rows = new Float32Array(liveRows.length * this.dim);
      liveRows.forEach((r, i) =>
        rows.set(vectors.subarray(r * this.dim, (r + 1) * this.dim), i * this.dim),
      );
    }
    if (this.viewedFrom) return this.absorbIntoDelta(keys, liveRows, rows);
    // usearch sizes its per-thread contexts when an add grows the graph: more threads than the last growth had
    // would fail, so a parallel add either grows the graph or stays within the last growth's threads.
    // Exact rows first: every key the graph holds (and every graph file saved) has its row.
    this.rows?.write(
      liveRows.map((r) => keys[r]!),
      rows,
    );
    const grows = this.graph.size() + liveRows.length >= this.graph.capacity();
    const t = ordered ? 1 : Math.max(1, grows ? threads : Math.min(threads, this.reservedThreads));
    const added = BigUint64Array.from(liveRows, (r) => BigInt(keys[r]!));
    const stored = this.scalar === ScalarKind.I8 ? toI8(rows, this.dim) : rows;
    if (ordered) addOrdered(this.graph, added, stored, this.dim);
    else this.graph.add(added, stored, t);
    if (grows) this.reservedThreads = t;
    // A single-threaded add never strands a row (see relinkStranded): the check is for parallel adds only.
    if (t > 1) this.relinked += relinkStranded(this.graph, added, stored, this.dim, t);
    if (this.savedFile) {
      if ((this.tail.length + liveRows.length) * this.dim > TAIL_MAX_FLOATS) {
        // Too much to keep beside the graph: the next save writes the graph itself.
        this.savedFile = undefined;
        this.tail = new PendingBuffer(this.dim);
        this.removedSinceSave = [];
      } else
        this.tail.pushMany(
          liveRows.map((r) => keys[r]!),
          rows,
        );
    }
    return keys.length;
  }

  /**
   * Adds absorbed rows to the delta graph beside a mapped one, on one thread (the background absorber's small
   * slices). Their f32 rows go to `tail` (the mapped file lacks them: a save writes them beside it) and, for a
   * reduced-precision graph, to a writable fork of the exact rows. Returns the rows taken (`keys.length`).
   */
  private absorbIntoDelta(keys: number[], liveRows: number[], rows: Float32Array): number {
    const liveKeys = liveRows.map((r) => keys[r]!);
    if (this.rows && !this.rows.writable) this.rows = this.rows.fork(this.exact!.fork());
    this.rows?.write(liveKeys, rows);
    const delta = (this.delta ??= this.newGraph());
    const stored = this.scalar === ScalarKind.I8 ? toI8(rows, this.dim) : rows;
    delta.add(BigUint64Array.from(liveKeys, BigInt), stored, 1);
    this.tail.pushMany(liveKeys, rows);
    return keys.length;
  }

  /** Up to `max` pending rows; more than one chunk's worth (a parallel drain) comes back as one buffer. */
  private takePending(max: number): { keys: number[]; vectors: Float32Array } {
    const first = this.pending.take(max);
    if (first.keys.length >= max || this.pending.length === 0) return first;
    const parts = [first];
    let n = first.keys.length;
    while (n < max && this.pending.length > 0) {
      const next = this.pending.take(max - n);
      parts.push(next);
      n += next.keys.length;
    }
    const vectors = new Float32Array(n * this.dim);
    let at = 0;
    for (const p of parts) {
      vectors.set(p.vectors, at);
      at += p.vectors.length;
    }
    return { keys: parts.flatMap((p) => p.keys), vectors };
  }

  /** This index was replaced: a save may remove its exact-rows file once no manifest names it. */
  release(): void {
    this.rows?.release();
  }

  /** Rows absorbed since the last graph file was written (a save with `graph: 'if-big'` writes it past a limit). */
  get unsavedGraphRows(): number {
    return this.savedFile ? this.tail.length + this.removedSinceSave.length : Infinity;
  }

  /**
   * Persists into `dir` without absorbing anything. The graph file is written when there is none yet, or when
   * `writeGraph` and the graph changed since; else the last one is kept and the rows it lacks are written beside it.
   * `name` is a unique file stem for this generation. Synchronous: a graph write costs about its size in I/O.
   */
  persist(
    dir: string,
    name: string,
    live: (key: number) => boolean,
    writeGraph: boolean,
  ): SavedVectorState {
    const changed = !this.viewedFrom && (this.tail.length > 0 || this.removedSinceSave.length > 0);
    if (!this.savedFile || (writeGraph && changed)) {
      // (A memory-mapped graph always has its file: only a graph in memory gets here.)
      const file = path.join(dir, `${name}.usearch`);
      this.graph.save(file);
      this.savedFile = file;
      const counts = graphFileCounts(file);
      this.savedMapSafe = graphMapSafe(counts.total, counts.present);
      this.tail = new PendingBuffer(this.dim);
      this.removedSinceSave = [];
    }
    const rowKeys: number[] = [];
    const parts: Float32Array[] = [];
    for (const buf of [this.tail, this.pending])
      for (const seg of buf.segments())
        seg.keys.forEach((key, i) => {
          if (!live(key)) return;
          rowKeys.push(key);
          parts.push(seg.rows.subarray(i * this.dim, (i + 1) * this.dim));
        });
    let rowsFile: string | undefined;
    if (rowKeys.length > 0) {
      rowsFile = `${name}.rows`;
      const out = new Float32Array(rowKeys.length * this.dim);
      parts.forEach((p, i) => out.set(p, i * this.dim));
      writeFileSync(path.join(dir, rowsFile), new Uint8Array(out.buffer));
    }
    // Stuck keys are present nodes of any graph file written since they died: listed too, so an open reads deeper.
    const dead = [...new Set([...this.deferred, ...this.removedSinceSave, ...this.stuck])].filter(
      (k) => !live(k),
    );
    const state: SavedVectorState = {
      file: path.basename(this.savedFile),
      rowKeys,
      rowsFile,
      dead,
    };
    // A mapped graph's saved rows hold every key it has (the delta's rows go in `rowsFile`): a fork still being
    // filled in the background is not waited for (complete() wrote up to 1.5 GB on the event loop at 1M x 384).
    const exact = this.viewedFrom ? this.savedRows : this.rows;
    if (exact) {
      if (!exact.file) throw new Error('exact rows kept in memory cannot be saved');
      exact.complete(); // a fork's file must hold every row before a manifest names it
      state.exactRows = path.basename(exact.file);
    }
    return state;
  }

  /**
   * Copies the memory-mapped graph into memory so it can change, and its saved exact rows into a file of its own
   * (another process may have opened the same saved index and would write other rows under the same new keys).
   */
  private promote(): void {
    const file = this.viewedFrom!;
    if (this.rows && !this.rows.writable) this.rows = this.rows.fork(this.exact!.fork());
    const copy = this.newGraph();
    copy.load(file);
    this.graph = copy;
    this.reservedThreads = 1;
    this.viewedFrom = undefined;
    this.savedRows = undefined;
    if (this.delta) {
      // The delta graph's rows go back to the exact scan and are absorbed into the copy (their exact rows are
      // already written); `tail` then holds only what the copy absorbs since the mapped file.
      for (const seg of this.tail.segments()) this.pending.pushMany(seg.keys, seg.rows);
      this.pendingDead += this.deltaDead;
      this.tail = new PendingBuffer(this.dim);
      this.delta = undefined;
      this.deltaDead = 0;
    }
  }

  private newGraph(): Index {
    return new Index({
      dimensions: this.dim,
      metric: METRIC[this.distance],
      quantization: this.scalar,
      connectivity: this.params.connectivity,
      expansion_add: this.params.expansionAdd,
      expansion_search: searchEf(this.params, this.dim, this.scalar !== ScalarKind.F32),
      multi: false,
    });
  }
}

/**
 * Adds rows on one thread so that the graph grows only at sizes fixed by its own growth, never by how the rows are
 * split into calls. usearch's add grows the graph (fresh per-thread contexts: node levels drawn again from the
 * generator's default seed) whenever size + rows >= capacity, to the next power of two of size + rows: the size it
 * grows at and to depended on each call's row count. Here each call stops one row short of the capacity, and the
 * row that reaches it goes alone, so growth happens at the same sizes (and to the same capacity) for any batching.
 */
export function addOrdered(
  graph: Index,
  keys: BigUint64Array,
  vectors: Float32Array | Int8Array,
  dim: number,
): void {
  for (let i = 0; i < keys.length;) {
    const room = graph.capacity() - graph.size() - 1;
    const m = room >= 1 ? Math.min(room, keys.length - i) : 1;
    graph.add(keys.subarray(i, i + m), vectors.subarray(i * dim, (i + m) * dim), 1);
    i += m;
  }
}

/** Best first, at most k: the graph's hits (already in order) merged with the pending scan's. */
function finish(out: KeyHit[], pending: KeyHit[], k: number): KeyHit[] {
  if (pending.length > 0) {
    out.push(...pending);
    out.sort((a, b) => a.distance - b.distance);
  }
  return out.length > k ? out.slice(0, k) : out;
}

/** A usearch distance as the store's similarity (higher is better), the same scale as LanceDB's and Qdrant's. */
export function distanceToScore(distance: Distance, d: number): number {
  return distance === 'l2' ? -Math.sqrt(Math.max(0, d)) : 1 - d;
}
