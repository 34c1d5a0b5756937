import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { afterAll, describe, expect, it } from 'vitest';
import { SearchPool, type SharedGraph } from '../../src/stores/ann/search-pool.js';
import { toMatches } from '../../src/stores/ann/row-rescore.mjs';
import { near, rng, unitVector } from './builders.js';

/**
 * Each graph has a home worker (its hot layers stay in that core's caches): its searches go there unless that
 * worker is busier than the least loaded by more than one search, and a worker runs a message's searches one graph
 * after another while answering each search in the order asked.
 */
const DIM = 16;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function graphs(dir: string, n: number): { shared: SharedGraph; index: Index }[] {
  const rand = rng(5);
  return Array.from({ length: n }, (_, g) => {
    const file = path.join(dir, `g${g}.usearch`);
    const opts = {
      dimensions: DIM,
      metric: MetricKind.Cos,
      quantization: ScalarKind.F32,
      connectivity: 16,
      expansion_add: 64,
      expansion_search: 64,
      multi: false,
    };
    const built = new Index(opts);
    const rows = Array.from({ length: 300 }, () => unitVector(DIM, rand));
    built.add(
      BigUint64Array.from(rows, (_, i) => BigInt(i + 1000 * g)),
      Float32Array.from(rows.flatMap((r) => [...r])),
    );
    built.save(file);
    const index = new Index(opts);
    index.view(file);
    const st = statSync(file);
    const shared: SharedGraph = {
      file,
      stamp: `${st.ino}-${st.mtimeMs}-${st.size}`,
      dim: DIM,
      metric: MetricKind.Cos,
      quantization: ScalarKind.F32,
      connectivity: 16,
      expansionSearch: 64,
    };
    return { shared, index };
  });
}

describe('search pool graph affinity', () => {
  it('sends a graph to its home worker while the others are not much less busy, answering each search as asked', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-pool-aff-'));
    dirs.push(dir);
    const [a, b, c] = graphs(dir, 3);
    const rand = rng(6);
    const queries = Array.from({ length: 8 }, () => near(unitVector(DIM, rand), rand, 0.05));
    const expected = (g: { index: Index }, q: Float32Array) => {
      const m = toMatches(g.index.search(q, 10, 1));
      return { keys: [...m.keys], distances: [...m.distances] };
    };
    const asked = (m: { keys: Float64Array; distances: Float32Array }) => ({
      keys: [...m.keys],
      distances: [...m.distances],
    });
    // Never narrowed here (a busy test machine must not move searches): narrowing has its own test below.
    const pool = new SearchPool(2, 0, undefined, () => false);
    try {
      // Homes in turn, first come: a -> worker 0, b -> worker 1, c -> worker 0.
      const first = await Promise.all(
        [a!, b!, c!].map((g) => pool.search(g.shared, queries[0]!, 10)),
      );
      first.forEach((m, i) => expect(asked(m)).toEqual(expected([a!, b!, c!][i]!, queries[0]!)));
      expect(pool.answeredBy()).toEqual([2, 1]);

      // b alone, one search at a time: both workers idle, so each goes home (the least loaded would be worker 0).
      for (const q of queries)
        expect(asked(await pool.search(b!.shared, q, 10))).toEqual(expected(b!, q));
      expect(pool.answeredBy()).toEqual([2, 1 + queries.length]);

      // Many searches of a at once: home takes them until it is two ahead, then the other worker helps.
      const before = pool.answeredBy();
      const burst = await Promise.all(queries.map((q) => pool.search(a!.shared, q, 10)));
      burst.forEach((m, i) => expect(asked(m)).toEqual(expected(a!, queries[i]!)));
      const after = pool.answeredBy();
      expect(after[0]! - before[0]!).toBe(5); // 0,0 -> 1,0 -> 2,0 -> 2,1 -> 3,1 -> 3,2 -> 4,2 -> 4,3 -> 5,3
      expect(after[1]! - before[1]!).toBe(3);

      // Interleaved graphs in one message per worker: each search still gets its own answer.
      const mixed = queries.flatMap((q) => [a!, b!, c!].map((g) => ({ g, q })));
      const answers = await Promise.all(mixed.map(({ g, q }) => pool.search(g.shared, q, 10)));
      answers.forEach((m, i) => expect(asked(m)).toEqual(expected(mixed[i]!.g, mixed[i]!.q)));
    } finally {
      await pool.close();
    }
  });

  it('sends every search to the first worker while narrowed, and spreads them again after', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-pool-narrow-'));
    dirs.push(dir);
    const gs = graphs(dir, 3);
    const rand = rng(7);
    const queries = Array.from({ length: 6 }, () => near(unitVector(DIM, rand), rand, 0.05));
    let narrowed = true;
    const pool = new SearchPool(2, 0, undefined, () => narrowed);
    try {
      const many = queries.flatMap((q) => gs.map((g) => ({ g, q })));
      const answers = await Promise.all(many.map(({ g, q }) => pool.search(g.shared, q, 10)));
      answers.forEach((m, i) => {
        const want = toMatches(many[i]!.g.index.search(many[i]!.q, 10, 1));
        expect([...m.keys]).toEqual([...want.keys]);
      });
      expect(pool.answeredBy()).toEqual([many.length, 0]);
      expect(pool.narrowedSearches).toBe(many.length);

      narrowed = false;
      await Promise.all(many.map(({ g, q }) => pool.search(g.shared, q, 10)));
      const [first, second] = pool.answeredBy();
      expect(first! + second!).toBe(2 * many.length);
      expect(second).toBeGreaterThan(0);
      expect(pool.narrowedSearches).toBe(many.length);
    } finally {
      await pool.close();
    }
  });
});
