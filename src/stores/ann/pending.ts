/**
 * Vectors written but not yet in the graph, kept in one flat Float32Array so the whole set can be scanned exactly
 * with one SIMD call: a write is searchable the moment it is acknowledged.
 *
 * The live rows always start at element 0 of the buffer, and the absorber takes rows from the END. usearch's
 * `exactSearch` reads a typed array from the start of its ArrayBuffer and ignores `byteOffset` (javascript/lib.cpp
 * uses `ArrayBuffer().Data()`), so a subarray starting past 0 would be scanned from the wrong row and hits mapped
 * to the wrong keys. Taking from the end keeps rows() at offset 0 with no copying.
 */
export class PendingBuffer {
  private keys: number[] = [];
  private data: Float32Array;
  /** Keys in the buffer, for removals that must know where a key lives. */
  private readonly members = new Set<number>();

  constructor(private readonly dim: number) {
    this.data = new Float32Array(dim * 64);
  }

  get length(): number {
    return this.keys.length;
  }

  has(key: number): boolean {
    return this.members.has(key);
  }

  push(key: number, vector: Float32Array): void {
    const row = this.keys.length;
    if ((row + 1) * this.dim > this.data.length) this.grow(row + 1);
    this.data.set(vector, row * this.dim);
    this.keys.push(key);
    this.members.add(key);
  }

  /** The unabsorbed rows, contiguous from offset 0 of the buffer, row i belonging to keyAt(i). */
  rows(): Float32Array {
    return this.data.subarray(0, this.keys.length * this.dim);
  }

  keyAt(row: number): number {
    return this.keys[row]!;
  }

  /** Removes up to n rows from the end; the vectors are copied out. */
  take(n: number): { keys: number[]; vectors: Float32Array } {
    const m = Math.min(n, this.length);
    const from = this.keys.length - m;
    const keys = this.keys.splice(from, m);
    const vectors = this.data.slice(from * this.dim, (from + m) * this.dim);
    for (const k of keys) this.members.delete(k);
    if (this.keys.length === 0 && this.data.length > this.dim * 4096)
      this.data = new Float32Array(this.dim * 64);
    return { keys, vectors };
  }

  private grow(rowsNeeded: number): void {
    const next = new Float32Array(Math.max(rowsNeeded * 2, 64) * this.dim);
    next.set(this.rows());
    this.data = next;
  }
}
