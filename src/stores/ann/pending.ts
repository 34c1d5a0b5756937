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
    if (!last || last.keys.length === CHUNK_ROWS) {
      last = this.spare ?? {
        data: new Float32Array(this.memory.take(CHUNK_ROWS * this.dim * 4)),
        codes: this.quantize ? new Int8Array(this.memory.take(CHUNK_ROWS * this.dim)) : undefined,
        keys: [],
      };
      this.spare = undefined;
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
    if (last.keys.length === 0) {
      const emptied = this.chunks.pop()!;
      if (!this.spare) this.spare = emptied;
      else {
        this.memory.give(emptied.data.buffer as ArrayBuffer);
        if (emptied.codes) this.memory.give(emptied.codes.buffer as ArrayBuffer);
      }
    }
    return { keys, vectors };
  }
}
