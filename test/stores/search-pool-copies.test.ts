import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { afterAll, describe, expect, it } from 'vitest';
import { SearchPool, type SharedGraph } from '../../src/stores/ann/search-pool.js';
import { toMatches } from '../../src/stores/ann/row-rescore.mjs';
import { near, rng, unitVector } from './builders.js';

/**
 * Search workers copy graph files into their own memory while the copies fit in the pool's copyBytes and map the
 * rest; a copy is never evicted to make room (no copy-and-drop loop), and opening a newer generation of a vector
 * frees the older one's copy.
 */
const DIM = 16;
const ROWS = 400;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const OPTS = {
  dimensions: DIM,
  metric: MetricKind.Cos,
  quantization: ScalarKind.F32,
  connectivity: 16,
  expansion_add: 64,
  expansion_search: 64,
  multi: false,
};

interface Built {
  shared: SharedGraph;
  /** The same graph in this thread's memory (never mapped here, so /proc/self/maps shows only the workers'). */
  index: Index;
  bytes: number;
}

function graph(dir: string, name: string, seed: number, slot?: string): Built {
  const rand = rng(seed);
  const file = path.join(dir, `${name}.usearch`);
  const index = new Index(OPTS);
  const rows = Array.from({ length: ROWS }, () => unitVector(DIM, rand));
  index.add(
    BigUint64Array.from(rows, (_, i) => BigInt(i + 1000 * seed)),
    Float32Array.from(rows.flatMap((r) => [...r])),
  );
  index.save(file);
  const st = statSync(file);
  const shared: SharedGraph = {
    file,
    stamp: `${st.ino}:${st.mtimeMs}:${st.size}`,
    slot,
    dim: DIM,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    connectivity: 16,
    expansionSearch: 64,
  };
  return { shared, index, bytes: st.size };
}

const plain = (m: { keys: Float64Array; distances: Float32Array }) => ({
  keys: [...m.keys],
  distances: [...m.distances],
});

/** Files of `dir` that this process has memory-mapped (Linux), by base name. */
function mappedFiles(dir: string): string[] {
  const maps = readFileSync('/proc/self/maps', 'utf8');
  const names = new Set<string>();
  for (const line of maps.split('\n')) {
    const at = line.indexOf(dir);
    if (at >= 0) names.add(path.basename(line.slice(at)));
  }
  return [...names].sort();
}

const linux = process.platform === 'linux';

describe('search pool graph copies', () => {
  it('copies graphs while they fit in copyBytes and maps the rest, with the same answers either way', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-pool-copy-'));
    dirs.push(dir);
    const gs = [graph(dir, 'a', 1), graph(dir, 'b', 2), graph(dir, 'c', 3)];
    const budget = gs[0]!.bytes + gs[1]!.bytes + Math.floor(gs[2]!.bytes / 2);
    const pool = new SearchPool(1, 0, budget);
    try {
      const rand = rng(9);
      for (const g of gs)
        for (let i = 0; i < 5; i++) {
          const q = near(unitVector(DIM, rand), rand, 0.05);
          expect(plain(await pool.search(g.shared, q, 10))).toEqual(
            plain(toMatches(g.index.search(q, 10, 1))),
          );
        }
      const [stats] = await pool.workerGraphs();
      expect(stats).toEqual({
        copies: 2,
        mapped: 1,
        copiedBytes: gs[0]!.bytes + gs[1]!.bytes,
        loads: 2,
      });
      // The copies are private memory: only the third file is mapped in this process.
      if (linux) expect(mappedFiles(dir)).toEqual(['c.usearch']);
    } finally {
      await pool.close();
    }
  });

  it('never evicts a copy to make room: alternating over more graphs than fit copies each file once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-pool-copy-'));
    dirs.push(dir);
    const gs = [graph(dir, 'a', 4), graph(dir, 'b', 5)];
    const pool = new SearchPool(1, 0, gs[0]!.bytes);
    try {
      const rand = rng(10);
      for (let round = 0; round < 10; round++)
        for (const g of gs) await pool.search(g.shared, unitVector(DIM, rand), 5);
      expect((await pool.workerGraphs())[0]).toEqual({
        copies: 1,
        mapped: 1,
        copiedBytes: gs[0]!.bytes,
        loads: 1,
      });
    } finally {
      await pool.close();
    }
  });

  it('opening a newer generation of a vector frees the older one, so the newer is copied in its place', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-pool-copy-'));
    dirs.push(dir);
    const slot = path.join(dir, 'v0');
    const older = graph(dir, 'v0-1', 6, slot);
    const newer = graph(dir, 'v0-2', 7, slot);
    const other = graph(dir, 'v1-1', 8, path.join(dir, 'v1'));
    // Room for two copies: the older generation (or the newer: graph sizes vary from build to build, as the threads
    // that add rows interleave) and the other vector's graph, never three.
    const budget = Math.max(older.bytes, newer.bytes) + other.bytes;
    expect(budget).toBeLessThan(older.bytes + newer.bytes + other.bytes);
    const pool = new SearchPool(1, 0, budget);
    try {
      const rand = rng(11);
      await pool.search(older.shared, unitVector(DIM, rand), 5);
      await pool.search(other.shared, unitVector(DIM, rand), 5);
      const q = unitVector(DIM, rand);
      expect(plain(await pool.search(newer.shared, q, 5))).toEqual(
        plain(toMatches(newer.index.search(q, 5, 1))),
      );
      expect((await pool.workerGraphs())[0]).toEqual({
        copies: 2,
        mapped: 0,
        copiedBytes: newer.bytes + other.bytes,
        loads: 3,
      });
    } finally {
      await pool.close();
    }
  });

  it('usearch frees a loaded index when it is asked to load the null device (how a worker releases a copy)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-pool-copy-'));
    dirs.push(dir);
    const g = graph(dir, 'a', 12);
    const copy = new Index(OPTS);
    copy.load(g.shared.file);
    expect(copy.size()).toBe(ROWS);
    expect(() => copy.load(os.devNull)).toThrow();
    expect(copy.size()).toBe(0);
    expect(copy.search(unitVector(DIM, rng(13)), 5, 1).keys.length).toBe(0);
  });
});
