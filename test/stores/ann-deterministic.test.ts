import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Index } from 'usearch';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { CHUNK_ROWS } from '../../src/stores/ann/pending.js';
import { HNSW_PARAMS, VectorIndex, addOrdered } from '../../src/stores/ann/vector-index.js';
import { createVectorStore } from '../../src/stores/create-vector-store.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import type { ItemInput } from '../../src/stores/vector-store.js';
import { near, rng, unitVector } from './builders.js';
import { tempDirs } from '../support/temp-dirs.js';

/**
 * `ann.deterministic`: a graph is a pure function of its rows in insertion order, whatever the write calls' sizes
 * and the background absorber's timing (bench runs compared across processes need the same graph for the same
 * data). Without it, usearch re-seeds node levels at every growth of the graph, so the batching decides the graph.
 */
const DIM = 16;
const N = 2 * CHUNK_ROWS + 500; // two full blocks and a partial one (absorbed only at the flush)
const tempDir = tempDirs('chorus-ann-det-');

const rand = rng(31);
const ROWS: (ItemInput & { vectors: { text: Float32Array } })[] = Array.from(
  { length: N },
  (_, i) => ({
    id: `r${i}`,
    payload: { i },
    vectors: { text: unitVector(DIM, rand) },
  }),
);
const QUERIES = Array.from({ length: 60 }, (_, i) => near(ROWS[i * 41]!.vectors.text, rand, 0.2));

const sha = (file: string) => createHash('sha1').update(readFileSync(file)).digest('hex');

function graphFile(dataDir: string): string {
  const dir = path.join(dataDir, 'lancedb', 'c.ann');
  const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    vectors: Record<string, { file: string; rowKeys: number[] }>;
  };
  expect(m.vectors.text!.rowKeys).toEqual([]); // everything in the graph file itself
  return path.join(dir, m.vectors.text!.file);
}

/**
 * Writes ROWS in calls of `sizes` (cycled), optionally letting the background absorber run between calls, flushes,
 * and returns the saved graph's hash and every query's ranked ids.
 */
async function build(
  sizes: number[],
  pauseEvery: number,
): Promise<{ hash: string; graph: number; answers: string[][] }> {
  const dataDir = tempDir();
  const config = parseConfig({ dataDir, logLevel: 'silent', ann: { deterministic: true } });
  const store = (await createVectorStore(config, {
    indexMaintenance: 'inline',
    annSaveIdleMs: 600_000,
  })) as LanceDbStore;
  try {
    await store.createCollection({
      name: 'c',
      vectors: { text: { modality: 'text', dim: DIM } },
    });
    let calls = 0;
    for (let at = 0; at < N; calls++) {
      const n = sizes[calls % sizes.length]!;
      await store.upsert('c', ROWS.slice(at, at + n));
      at += n;
      // Yield to the background absorber (which absorbs full blocks as they fill): a different interleaving of
      // writes and absorption than writing back to back.
      if (pauseEvery && calls % pauseEvery === 0) await new Promise((r) => setTimeout(r, 30));
    }
    await store.flushIndex('c');
    const info = (await store.indexInfo('c')).find((x) => x.type === 'usearch-hnsw')!;
    const answers: string[][] = [];
    for (const q of QUERIES)
      answers.push((await store.search('c', 'text', q, 10)).map((h) => h.id));
    return { hash: sha(graphFile(dataDir)), graph: info.indexed, answers };
  } finally {
    await store.close();
  }
}

describe('deterministic ANN builds (ann.deterministic)', () => {
  it('the same rows give a byte-identical graph whatever the write sizes and absorber timing', async () => {
    const one = await build([N], 0);
    const small = await build([97], 3);
    const mixed = await build([1, 700, 13, 1500, 250], 1);
    expect(one.graph).toBe(N);
    expect(small.graph).toBe(N);
    expect(mixed.graph).toBe(N);
    expect(small.hash).toBe(one.hash);
    expect(mixed.hash).toBe(one.hash);
    expect(small.answers).toEqual(one.answers);
    expect(mixed.answers).toEqual(one.answers);
  }, 300_000);

  it('VectorIndex: the same graph for any absorb step sizes, interleaving with writes and flush threads', () => {
    const params = { ...HNSW_PARAMS, quantization: 'f32' as const, deterministic: true };
    /** Adds the rows `piece` at a time, running up to `stepsPerPiece` background steps after each piece. */
    const save = (steps: number[], piece: number, stepsPerPiece: number, threads: number) => {
      const index = new VectorIndex(DIM, 'cosine', params);
      let s = 0;
      for (let at = 0; at < N; at += piece) {
        ROWS.slice(at, at + piece).forEach((r, i) => index.add(at + i, r.vectors.text));
        for (let j = 0; j < stepsPerPiece && index.hasBackgroundWork; j++)
          index.absorb(steps[s++ % steps.length]!, () => true);
      }
      while (index.hasBackgroundWork) index.absorb(steps[s++ % steps.length]!, () => true);
      expect(index.pendingSize).toBe(N - 2 * CHUNK_ROWS);
      while (index.hasWork) index.absorb(65_536, () => true, threads, true); // a flush
      const dir = tempDir();
      index.persist(dir, 'g', () => true, true);
      return sha(path.join(dir, 'g.usearch'));
    };
    const a = save([2], N, 0, 1);
    expect(save([8, 3, 100], N, 0, 1)).toBe(a);
    expect(save([5], 61, 2, 1)).toBe(a);
    expect(save([1000], 1, 1, 2)).toBe(a);
  });

  it('without the option the absorber batching changes the graph (what the option removes)', () => {
    const params = { ...HNSW_PARAMS, quantization: 'f32' as const };
    const save = (step: number) => {
      const index = new VectorIndex(DIM, 'cosine', params);
      ROWS.forEach((r, i) => index.add(i, r.vectors.text));
      while (index.hasWork) index.absorb(step, () => true, 1);
      const dir = tempDir();
      index.persist(dir, 'g', () => true, true);
      return sha(path.join(dir, 'g.usearch'));
    };
    expect(save(100)).not.toBe(save(137));
  });

  it('addOrdered grows the graph at the same sizes for any split of the rows', () => {
    const n = 300;
    const keys = BigUint64Array.from({ length: n }, (_, i) => BigInt(i));
    const vectors = new Float32Array(n * DIM);
    ROWS.slice(0, n).forEach((r, i) => vectors.set(r.vectors.text, i * DIM));
    /** [size, capacity] after every add call that grew the graph. */
    const growth = (split: number, ordered: boolean) => {
      const g = new Index({ dimensions: DIM, metric: 'cos', connectivity: 16 } as never);
      const seen: [number, number][] = [];
      const watched = {
        size: () => g.size(),
        capacity: () => g.capacity(),
        add: (k: BigUint64Array, v: Float32Array, t: number) => {
          const before = g.capacity();
          g.add(k, v, t);
          if (g.capacity() !== before) seen.push([g.size(), g.capacity()]);
        },
      } as unknown as Index;
      for (let i = 0; i < n; i += split) {
        const end = Math.min(n, i + split);
        const k = keys.subarray(i, end);
        const v = vectors.subarray(i * DIM, end * DIM);
        if (ordered) addOrdered(watched, k, v, DIM);
        else watched.add(k, v, 1);
      }
      expect(g.size()).toBe(n);
      return seen;
    };
    const one = growth(n, true);
    expect(one.length).toBeGreaterThan(1);
    expect(growth(1, true)).toEqual(one);
    expect(growth(7, true)).toEqual(one);
    expect(growth(128, true)).toEqual(one);
    // usearch's own add grows where each call's rows take it.
    expect(growth(7, false)).not.toEqual(growth(128, false));
  });
});
