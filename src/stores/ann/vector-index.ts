import { exactSearch, Index, MetricKind, ScalarKind } from 'usearch';
import type { Distance } from '../../domain/modality.js';
import { PendingBuffer } from './pending.js';

/** HNSW build and search settings, the same for every named vector (bench/store.ts measures them). */
export interface HnswParams {
  connectivity: number;
  expansionAdd: number;
  /** Beam width at search; usearch widens it to k when k is larger. */
  expansionSearch: number;
}

export const HNSW_PARAMS: HnswParams = {
  connectivity: 16,
  expansionAdd: 128,
  expansionSearch: 128,
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

/** usearch pads short result lists with this key. */
const NO_KEY = 0xffffffffffffffffn;

/**
 * The ANN index of one named vector: an HNSW graph (built here, or memory-mapped from a saved file and copied into
 * memory on the first write after opening) plus the pending rows written since, which search scans exactly.
 */
export class VectorIndex {
  private graph: Index;
  /** A graph opened with `view` is read-only until `promote` loads a private copy. */
  private viewedFrom: string | undefined;
  private readonly pending: PendingBuffer;
  /** Dead keys still inside a read-only graph (removed once it is promoted): search reads this much deeper. */
  private deferred: number[] = [];
  private pendingDead = 0;

  constructor(
    readonly dim: number,
    readonly distance: Distance,
    private readonly params: HnswParams,
  ) {
    this.graph = this.newGraph();
    this.pending = new PendingBuffer(dim);
  }

  /** Memory-maps a saved graph (read-only; fast whatever its size). */
  static view(file: string, dim: number, distance: Distance, params: HnswParams): VectorIndex {
    const index = new VectorIndex(dim, distance, params);
    index.graph.view(file);
    if (index.graph.dimensions() !== dim)
      throw new Error(`${file}: dimension ${index.graph.dimensions()} != ${dim}`);
    index.viewedFrom = file;
    return index;
  }

  get graphSize(): number {
    return this.graph.size();
  }

  get pendingSize(): number {
    return this.pending.length;
  }

  /** Whether background work remains (rows to absorb, removals deferred on a read-only graph). */
  get hasWork(): boolean {
    return this.pending.length > 0 || this.deferred.length > 0;
  }

  add(key: number, vector: Float32Array): void {
    this.pending.push(key, vector);
  }

  /** Drops a dead key: skipped when absorbed, removed from a writable graph, deferred on a read-only one. */
  remove(key: number): void {
    if (this.pending.has(key)) this.pendingDead++;
    else if (!this.graph.contains(BigInt(key))) return;
    else if (this.viewedFrom) this.deferred.push(key);
    else this.graph.remove(BigInt(key));
  }

  /**
   * The k nearest live keys: the graph (reading deeper by the dead keys it may still hold) and an exact scan of the
   * pending rows, merged. `live` must reject dead keys; `accept` is an optional extra test (a filter).
   */
  search(query: Float32Array, k: number, live: (key: number) => boolean): KeyHit[] {
    const out: KeyHit[] = [];
    const size = this.graph.size();
    if (size > 0) {
      const want = Math.min(size, k + this.deferred.length);
      const res = this.graph.search(query, want, 1);
      for (let i = 0; i < res.keys.length; i++) {
        const raw = res.keys[i]!;
        if (raw === NO_KEY) break;
        const key = Number(raw);
        if (live(key)) out.push({ key, distance: res.distances[i]! });
      }
    }
    const n = this.pending.length;
    if (n > 0) {
      const want = k + this.pendingDead;
      // exactSearch reads from the start of the ArrayBuffer (ignores byteOffset): give it a query that starts there.
      const q = query.byteOffset === 0 ? query : query.slice();
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
    }
    if (n > 0) out.sort((a, b) => a.distance - b.distance);
    return out.length > k ? out.slice(0, k) : out;
  }

  /**
   * Moves up to `max` pending rows into the graph (copying a memory-mapped graph into memory first). Synchronous
   * native work: callers keep `max` small so a search never waits long behind it. Returns rows absorbed.
   */
  absorb(max: number, live: (key: number) => boolean): number {
    if (!this.hasWork) return 0;
    if (this.viewedFrom) this.promote();
    if (this.deferred.length) {
      this.graph.remove(BigUint64Array.from(this.deferred, BigInt));
      this.deferred = [];
    }
    const { keys, vectors } = this.pending.take(max);
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
    this.graph.add(
      BigUint64Array.from(liveRows, (r) => BigInt(keys[r]!)),
      rows,
      // One thread, always: the absorber must leave the other cores to table writes and searches, and usearch
      // sizes per-thread contexts at its first reservation (a later add with more threads than that fails).
      1,
    );
    return keys.length;
  }

  /** Writes the graph; only valid with nothing pending (the caller drains first). */
  save(file: string): void {
    if (this.pending.length > 0) throw new Error('save with rows still pending');
    this.graph.save(file);
    // A still memory-mapped graph now has an identical copy in `file`; promote from that (older files get removed).
    if (this.viewedFrom) this.viewedFrom = file;
  }

  /** Copies the memory-mapped graph into memory so it can change. */
  private promote(): void {
    const file = this.viewedFrom!;
    const copy = this.newGraph();
    copy.load(file);
    this.graph = copy;
    this.viewedFrom = undefined;
  }

  private newGraph(): Index {
    return new Index({
      dimensions: this.dim,
      metric: METRIC[this.distance],
      quantization: ScalarKind.F32,
      connectivity: this.params.connectivity,
      expansion_add: this.params.expansionAdd,
      expansion_search: this.params.expansionSearch,
      multi: false,
    });
  }
}

/** A usearch distance as the store's similarity (higher is better), the same scale as LanceDB's and Qdrant's. */
export function distanceToScore(distance: Distance, d: number): number {
  return distance === 'l2' ? -Math.sqrt(Math.max(0, d)) : 1 - d;
}
