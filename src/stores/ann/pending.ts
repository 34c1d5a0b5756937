/**
 * Vectors written but not yet in the graph, kept in one flat Float32Array (a FIFO with a moving head) so the whole
 * tail can be scanned exactly with one SIMD call: a write is searchable the moment it is acknowledged.
 */
export class PendingBuffer {
  private keys: number[] = [];
  private head = 0;
  private data: Float32Array;
  /** Keys in the buffer, for removals that must know where a key lives. */
  private readonly members = new Set<number>();

  constructor(private readonly dim: number) {
    this.data = new Float32Array(dim * 64);
  }

  get length(): number {
    return this.keys.length - this.head;
  }

  has(key: number): boolean {
    return this.members.has(key);
  }

  push(key: number, vector: Float32Array): void {
    const row = this.keys.length - this.head;
    if ((row + 1) * this.dim > this.data.length - this.head * this.dim) this.grow(row + 1);
    this.data.set(vector, this.keys.length * this.dim);
    this.keys.push(key);
    this.members.add(key);
  }

  /** The unabsorbed rows, contiguous, row i belonging to keyAt(i). */
  rows(): Float32Array {
    return this.data.subarray(this.head * this.dim, this.keys.length * this.dim);
  }

  keyAt(row: number): number {
    return this.keys[this.head + row]!;
  }

  /** Appends rows in bulk (restoring a saved buffer): `rows` holds keys.length vectors back to back. */
  pushMany(keys: readonly number[], rows: Float32Array): void {
    for (let i = 0; i < keys.length; i++)
      this.push(keys[i]!, rows.subarray(i * this.dim, (i + 1) * this.dim));
  }

  /** Removes up to n rows from the front; the vectors are copied out (the buffer may be compacted later). */
  take(n: number): { keys: number[]; vectors: Float32Array } {
    const m = Math.min(n, this.length);
    const keys = this.keys.slice(this.head, this.head + m);
    const vectors = this.data.slice(this.head * this.dim, (this.head + m) * this.dim);
    this.head += m;
    for (const k of keys) this.members.delete(k);
    if (this.head === this.keys.length) {
      this.keys = [];
      this.head = 0;
      if (this.data.length > this.dim * 4096) this.data = new Float32Array(this.dim * 64);
    }
    return { keys, vectors };
  }

  private grow(rowsNeeded: number): void {
    // Drop the absorbed head and double the room for the live rows.
    const live = this.rows();
    const next = new Float32Array(Math.max(rowsNeeded * 2, 64) * this.dim);
    next.set(live);
    this.keys = this.keys.slice(this.head);
    this.head = 0;
    this.data = next;
  }
}
