import { chunkMemory, type ChunkMemory } from './chunk-memory.js';

/**
 * Vectors written but not yet in the graph, scanned exactly (usearch exactSearch, SIMD) so a write is searchable
 * the moment it is acknowledged.
 *
 * Rows live in fixed-size chunks, each its own Float32Array: pushing never copies what is already there (one big
 * array doubling as it grew blocked the event loop for 100-300 ms per copy at tens of thousands of rows), and a
 * chunk emptied by the absorber is kept for reuse (touching fresh memory is slow on small VMs).
 *
 * Every chunk's rows start at element 0 of its own buffer, and the absorber takes rows from the END: usearch's
 * `exactSearch` reads a typed array from the start of its ArrayBuffer and ignores `byteOffset` (javascript/lib.cpp
 * uses `ArrayBuffer().Data()`), so rows past offset 0 would be scanned from the wrong place and hits mapped to the
 * wrong keys.
 *
 * Chunk memory comes from `chunkMemory` (pages faulted in by a helper thread, emptied chunks reused by any
 * vector of the same size): a reused buffer may hold old rows of another vector, so only rows below `keys.length`
 * are ever read.
 */
export const CHUNK_ROWS = 1024;

interface Chunk {
  data: Float32Array;
  /** int8 codes of the unit-normalised rows (cosine only): a scan over them reads a quarter of the bytes. */
  codes?: Int8Array;
  keys: number[];
  /** Being absorbed in insertion order (takeOrdered): pushes go to a new chunk, not here. */
  sealed?: boolean;
}

/** Unit-normalised and scaled to int8 (the zero vector stays zero). */
export function cosineCodes(v: Float32Array, out: Int8Array, at = 0): void {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  const scale = norm > 0 ? 127 / Math.sqrt(norm) : 0;
  for (let i = 0; i < v.length; i++) out[at + i] = Math.round(v[i]! * scale);
}

export class PendingBuffer {
  private readonly memory: ChunkMemory;
  private readonly chunks: Chunk[] = [];
  private spare: Chunk | undefined;
  private count = 0;
  /** Keys in the buffer, for removals that must know where a key lives. */
  private readonly members = new Set<number>();

  /** `quantize`: keep int8 codes beside the rows (for cosine, whose distance ignores length). */
  constructor(
    private readonly dim: number,
    private readonly quantize = false,
    memory?: ChunkMemory,
  ) {
    this.memory = memory ?? chunkMemory;
  }

  get length(): number {
    return this.count;
  }

  has(key: number): boolean {
    return this.members.has(key);
  }

  push(key: number, vector: Float32Array): void {
    let last = this.chunks[this.chunks.length - 1];
    if (!last || last.keys.length === CHUNK_ROWS || last.sealed) {
      last = this.spare ?? {
        data: new Float32Array(this.memory.take(CHUNK_ROWS * this.dim * 4)),
        codes: this.quantize ? new Int8Array(this.memory.take(CHUNK_ROWS * this.dim)) : undefined,
        keys: [],
      };
      this.spare = undefined;
      last.sealed = false;
      this.chunks.push(last);
    }
    last.data.set(vector, last.keys.length * this.dim);
    if (last.codes) cosineCodes(vector, last.codes, last.keys.length * this.dim);
    last.keys.push(key);
    this.members.add(key);
    this.count++;
  }

  /** The unabsorbed rows, chunk by chunk: `rows` (offset 0 of its buffer) holds row i of `keys[i]`. */
  *segments(): Generator<{ rows: Float32Array; codes?: Int8Array; keys: readonly number[] }> {
    for (const c of this.chunks)
      if (c.keys.length)
        yield {
          rows: c.data.subarray(0, c.keys.length * this.dim),
          codes: c.codes?.subarray(0, c.keys.length * this.dim),
          keys: c.keys,
        };
  }

  /** Appends rows in bulk (restoring a saved buffer): `rows` holds keys.length vectors back to back. */
  pushMany(keys: readonly number[], rows: Float32Array): void {
    for (let i = 0; i < keys.length; i++)
      this.push(keys[i]!, rows.subarray(i * this.dim, (i + 1) * this.dim));
  }

  /** Removes up to n rows from the end (of the last chunk); the vectors are copied out. */
  take(n: number): { keys: number[]; vectors: Float32Array } {
    const last = this.chunks[this.chunks.length - 1];
    if (!last) return { keys: [], vectors: new Float32Array(0) };
    const m = Math.min(n, last.keys.length);
    const from = last.keys.length - m;
    const keys = last.keys.splice(from, m);
    const vectors = last.data.slice(from * this.dim, (from + m) * this.dim);
    for (const k of keys) this.members.delete(k);
    this.count -= m;
    if (last.keys.length === 0) this.recycle(this.chunks.pop()!);
    return { keys, vectors };
  }

  /**
   * Whether takeOrdered has rows to give: the oldest chunk once full (or already started), or with `all` any rows.
   */
  hasOrdered(all: boolean): boolean {
    const first = this.chunks[0];
    return (
      !!first && first.keys.length > 0 && (all || first.sealed || first.keys.length === CHUNK_ROWS)
    );
  }

  /**
   * Up to n rows in an order that depends only on the order the rows were pushed, never on how many are taken per
   * call or when: the oldest chunk (CHUNK_ROWS consecutive rows) is taken only once full (`all`: also the last,
   * partial one), from its last row back to its first. Rows still come off a chunk's end, so every chunk's rows keep
   * starting at offset 0 (see the class comment); the chunk is sealed so later pushes start a new one.
   */
  takeOrdered(n: number, all: boolean): { keys: number[]; vectors: Float32Array } {
    if (!this.hasOrdered(all)) return { keys: [], vectors: new Float32Array(0) };
    const first = this.chunks[0]!;
    first.sealed = true;
    const m = Math.min(n, first.keys.length);
    const from = first.keys.length - m;
    const keys = first.keys.splice(from, m).reverse();
    const vectors = new Float32Array(m * this.dim);
    for (let i = 0; i < m; i++)
      vectors.set(
        first.data.subarray((from + m - 1 - i) * this.dim, (from + m - i) * this.dim),
        i * this.dim,
      );
    for (const k of keys) this.members.delete(k);
    this.count -= m;
    if (first.keys.length === 0) this.recycle(this.chunks.shift()!);
    return { keys, vectors };
  }

  /** An emptied chunk: kept as the spare, or its memory handed back for reuse. */
  private recycle(emptied: Chunk): void {
    if (!this.spare) this.spare = emptied;
    else {
      this.memory.give(emptied.data.buffer as ArrayBuffer);
      if (emptied.codes) this.memory.give(emptied.codes.buffer as ArrayBuffer);
    }
  }
}
