import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ChunkMemory, chunkMemory } from '../../src/stores/ann/chunk-memory.js';
import { CHUNK_ROWS, PendingBuffer } from '../../src/stores/ann/pending.js';
import { HNSW_PARAMS, VectorIndex } from '../../src/stores/ann/vector-index.js';

const dim = 8;
const row = (seed: number, d = dim) => Float32Array.from({ length: d }, (_, j) => seed + j / 100);

/** Every row a buffer exposes, as [key, first value] pairs. */
function exposed(buf: PendingBuffer, d = dim): [number, number][] {
  const out: [number, number][] = [];
  for (const seg of buf.segments()) seg.keys.forEach((k, i) => out.push([k, seg.rows[i * d]!]));
  return out;
}

describe('pending chunk memory (pooled, faulted in off the event loop)', () => {
  it("a reused chunk never shows another collection's rows: the new owner sees exactly the rows it wrote", () => {
    const memory = new ChunkMemory(false);
    const a = new PendingBuffer(dim, true, memory);
    // Three chunks: emptying them gives the pool two of each kind (one stays a's spare).
    for (let k = 0; k < CHUNK_ROWS * 2 + 5; k++) a.push(k, row(1000 + k));
    while (a.length > 0) a.take(300);
    const bytes = CHUNK_ROWS * dim * 4;
    expect(memory.ready(bytes)).toBe(2); // a's old rows are still in those buffers
    expect(memory.ready(CHUNK_ROWS * dim)).toBe(2); // and its int8 codes in these

    const b = new PendingBuffer(dim, true, memory);
    b.push(7, row(7));
    b.push(8, row(8));
    expect(memory.ready(bytes)).toBe(1); // b took a reused buffer
    expect(memory.stats.ready).toBe(2);
    expect(exposed(b)).toEqual([
      [7, 7],
      [8, 8],
    ]);
    const [seg] = [...b.segments()];
    expect(seg!.rows.length).toBe(2 * dim);
    expect(seg!.codes!.length).toBe(2 * dim);
    // The codes are b's own (a's codes of row 1000 + k differ in every place past the first).
    const own = new PendingBuffer(dim, true, new ChunkMemory(false));
    own.push(7, row(7));
    own.push(8, row(8));
    expect([...seg!.codes!]).toEqual([...[...own.segments()][0]!.codes!]);
  });

  it('searches over a vector whose chunks reuse another index’s memory return only its own rows, exactly', () => {
    const d = 16;
    const vec = (seed: number) =>
      Float32Array.from({ length: d }, (_, j) => Math.sin(seed * 7.31 + j * 1.7));
    const first = new VectorIndex(d, 'cosine', HNSW_PARAMS);
    for (let k = 0; k < CHUNK_ROWS * 3; k++) first.add(k, vec(k));
    first.absorb(CHUNK_ROWS * 3, () => true); // empties its chunks: back to the process's pool
    const before = chunkMemory.stats.ready;
    const second = new VectorIndex(d, 'cosine', HNSW_PARAMS);
    const own = Array.from({ length: 40 }, (_, i) => vec(50_000 + i));
    own.forEach((v, i) => second.add(100_000 + i, v));
    expect(chunkMemory.stats.ready).toBeGreaterThan(before);
    // The first index's rows as queries: every hit is one of the second's keys, at its true distance.
    for (const q of [vec(3), vec(1500), vec(2900), ...own.slice(0, 5)]) {
      const hits = second.search(q, 10, () => true);
      expect(hits).toHaveLength(10);
      for (const h of hits) {
        expect(h.key).toBeGreaterThanOrEqual(100_000);
        const v = own[h.key - 100_000]!;
        let dot = 0;
        let qq = 0;
        let vv = 0;
        for (let j = 0; j < d; j++) {
          dot += q[j]! * v[j]!;
          qq += q[j]! * q[j]!;
          vv += v[j]! * v[j]!;
        }
        expect(h.distance).toBeCloseTo(1 - dot / Math.sqrt(qq * vv), 4);
      }
    }
  });

  it('the helper thread keeps buffers of each size in use ready ahead of need', async () => {
    const memory = new ChunkMemory(true);
    const bytes = 64 * 4096;
    const first = memory.take(bytes); // nothing ready yet: allocated on the spot
    expect(first.byteLength).toBe(bytes);
    expect(memory.stats).toEqual({ ready: 0, fresh: 1 });
    // Up to 30 s: the helper thread's start-up is slow on a loaded CI box (the bound was 2 s).
    for (let i = 0; i < 3000 && memory.ready(bytes) < 4; i++) await sleep(10);
    expect(memory.ready(bytes)).toBe(4);
    const next = memory.take(bytes);
    expect(next.byteLength).toBe(bytes);
    expect(memory.stats).toEqual({ ready: 1, fresh: 1 });
    new Float32Array(next).fill(1.5); // an ordinary, writable buffer owned by this thread
    for (let i = 0; i < 3000 && memory.ready(bytes) < 4; i++) await sleep(10);
    expect(memory.ready(bytes)).toBe(4); // topped up again
  });
});
