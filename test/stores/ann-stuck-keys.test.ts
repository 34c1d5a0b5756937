import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HNSW_PARAMS, VectorIndex, type HnswParams } from '../../src/stores/ann/vector-index.js';
import { rng, unitVector } from './builders.js';

// usearch 2.25: after a few rounds of removing every key and adding as many new ones (every update removes one), its
// remove() answers 0 for keys the graph still holds (here every key removed in the 5th and 6th rounds). They stay
// present nodes that searches return; dropped as dead, they left a k = 10 search with fewer than 10 hits (199 of
// 200 searches in the 5th round) until a compaction.
describe('VectorIndex: dead keys usearch could not remove', () => {
  const DIM = 16;
  const N = 5_000;
  const params: HnswParams = {
    ...HNSW_PARAMS,
    quantization: 'f32', // saved without a row file (the open below needs only the graph)
    expansionAdd: 32,
    expansionSearch: 64,
  };
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a search still returns k live hits, after a save and open too, and the keys go once the graph grows', () => {
    const index = new VectorIndex(DIM, 'cosine', params);
    const rand = rng(3);
    const dead = new Set<number>();
    const live = (key: number) => !dead.has(key);
    const vectors = new Map<number, Float32Array>();
    let keys: number[] = [];
    let next = 0;
    const round = () => {
      for (const key of keys) {
        dead.add(key);
        index.remove(key);
      }
      keys = Array.from({ length: N }, () => next++);
      for (const key of keys) {
        const v = unitVector(DIM, rand);
        vectors.set(key, v);
        index.add(key, v);
      }
      index.absorb(Infinity, live);
    };
    /** Searches for 100 live rows' own vectors: how many came back short, with a dead key, or not first. */
    const check = (ix: VectorIndex) => {
      const bad = { short: 0, dead: 0, notFirst: 0 };
      for (const key of keys.slice(0, 100)) {
        const hits = ix.search(vectors.get(key)!, 10, live);
        if (hits.length < 10) bad.short++;
        if (hits.some((h) => !live(h.key))) bad.dead++;
        if (hits[0]?.key !== key) bad.notFirst++;
      }
      return bad;
    };
    const none = { short: 0, dead: 0, notFirst: 0 };
    for (let r = 0; r < 5; r++) round();
    // The state guarded against: the graph still holds the 5,000 keys removed in the 5th round.
    expect(index.graphSize).toBe(2 * N);
    expect(check(index)).toEqual(none);

    dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-stuck-'));
    const saved = index.persist(dir, 'v0-1', live, true);
    expect(saved.dead).toHaveLength(N);
    const opened = VectorIndex.view(path.join(dir, saved.file), DIM, 'cosine', params, {
      keys: saved.rowKeys,
      rows: new Float32Array(0),
      dead: saved.dead,
    });
    expect(check(opened)).toEqual(none);

    round(); // removals fail again (10,000 stuck); this absorb grows the graph
    expect(check(index)).toEqual(none);
    round(); // the grown graph's key table takes the stuck keys' removal
    expect(index.graphSize).toBe(N);
    expect(check(index)).toEqual(none);
  }, 120_000);
});
