import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lexicalList } from '../../src/engine/lexical-list.js';
import { Bm25Index } from '../../src/lexical/bm25-index.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';

/**
 * The BM25 list with a filter, over a real LanceDB store and a real on-disk index: 400 documents mention
 * "lamp", the better-scoring ones (shorter) are almost all in category "a", and only every 40th is in "b".
 */
const payloadIndexes = {
  category: 'keyword',
  published: 'datetime',
  blurb: 'text',
} as const;

describe('lexicalList (filter pushed into BM25 rounds)', () => {
  let dir: string;
  let store: LanceDbStore;
  let bm25: Bm25Index;
  let searches: number;
  let read: number;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chorus-lexlist-'));
    store = await LanceDbStore.open({
      dataDir: path.join(dir, 'lance'),
      indexMaintenance: 'inline',
    });
    await store.createCollection({
      name: 'c',
      vectors: { v: { modality: 'text', dim: 2 } },
      payloadIndexes,
    });
    const real = new Bm25Index(path.join(dir, 'lex.sqlite'));
    searches = 0;
    read = 0;
    bm25 = Object.assign(real, {
      read: (...args: Parameters<Bm25Index['read']>) => {
        searches++;
        const result = Bm25Index.prototype.read.apply(real, args);
        read += result.hits.length;
        return result;
      },
    });
    const items = Array.from({ length: 400 }, (_, i) => ({
      id: `i${i}`,
      payload: {
        category: i % 40 === 0 ? 'b' : 'a',
        text: `lamp ${'filler '.repeat(i % 50)}`,
        // A datetime written as ISO text, and a text field matched by substring (the stores' meaning).
        published: new Date(Date.UTC(2020, 0, 1 + i)).toISOString(),
        blurb: i % 3 === 0 ? `Brass Desk Lamp no. ${i}` : `Floor light no. ${i}`,
      },
      vectors: { v: [1, i / 400] },
    }));
    await store.upsert('c', items);
    bm25.upsert(
      'c',
      items.map((i) => ({ id: i.id, text: i.payload.text })),
    );
  });
  afterEach(async () => {
    bm25.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns exactly the filtered top-k in score order, reading deeper only as the pass rate requires', async () => {
    const filter = { must: [{ key: 'category', match: { value: 'b' } }] };
    // A store that cannot resolve the filter in memory (no matchingIds): payloads are checked round by round.
    const checking = { get: store.get.bind(store) };
    const got = await lexicalList({ store: checking, bm25 }, 'c', 'lamp', 5, {
      filter,
      payloadIndexes,
    });
    const rounds = { searches, read };
    const all = Bm25Index.prototype.search.call(bm25, 'c', 'lamp', 1000);
    const want = all.filter((h) => Number(h.id.slice(1)) % 40 === 0).slice(0, 5);
    expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
    expect(got.map((h) => h.score)).toEqual(want.map((h) => h.score));
    expect(got.every((h) => h.payload.category === 'b')).toBe(true);
    // 1 in 40 passes and the 5th match ranks ~165th: a few rounds, each reading only unchecked ids, well short of all 400.
    expect(rounds.searches).toBeGreaterThan(1);
    expect(rounds.searches).toBeLessThanOrEqual(4);
    expect(rounds.read).toBeGreaterThanOrEqual(161);
    expect(rounds.read).toBeLessThan(400);
    // The embedded store resolves it from its in-memory payloads: the ids go into the index, one read, same hits.
    searches = 0;
    read = 0;
    const pushed = await lexicalList({ store, bm25 }, 'c', 'lamp', 5, { filter, payloadIndexes });
    expect(pushed).toEqual(got);
    expect(searches).toBe(1);
    expect(read).toBeLessThanOrEqual(10);
  });

  it('never scores excluded ids, and skips ids the store no longer has', async () => {
    bm25.upsert('c', [{ id: 'ghost', text: 'lamp' }]); // in the index, not in the store
    const unfiltered = await lexicalList({ store, bm25 }, 'c', 'lamp', 3, { payloadIndexes });
    expect(unfiltered.map((h) => h.id)).not.toContain('ghost');
    expect(unfiltered).toHaveLength(3);
    const exclude = new Set(unfiltered.map((h) => h.id));
    const next = await lexicalList({ store, bm25 }, 'c', 'lamp', 3, { exclude, payloadIndexes });
    expect(next.some((h) => exclude.has(h.id))).toBe(false);
    expect(next).toHaveLength(3);
    expect(next[0]!.score).toBeLessThanOrEqual(unfiltered[2]!.score);
  });

  it('returns what exists when the filter matches fewer than k', async () => {
    const filter = { must: [{ key: 'category', match: { value: 'b' } }] };
    const got = await lexicalList({ store, bm25 }, 'c', 'lamp', 50, { filter, payloadIndexes });
    expect(got).toHaveLength(10);
    const none = await lexicalList({ store, bm25 }, 'c', 'lamp', 5, {
      filter: { must: [{ key: 'category', match: { value: 'zzz' } }] },
      payloadIndexes,
    });
    expect(none).toEqual([]);
  });

  it('reads a filter as the stores do: a datetime given as ISO text, a text field by substring', async () => {
    const filter = {
      must: [
        { key: 'published', range: { gte: Date.UTC(2020, 0, 301) } },
        { key: 'blurb', match: { value: 'desk lamp' } },
      ],
    };
    const want = (await store.search('c', 'v', Float32Array.from([1, 0.5]), 400, { filter }))
      .map((h) => h.id)
      .sort();
    expect(want).toHaveLength(34); // i = 300..399 with i % 3 === 0
    const checking = { get: store.get.bind(store) }; // no matchingIds: the rounds test payloads themselves
    const rounds = await lexicalList({ store: checking, bm25 }, 'c', 'lamp', 100, {
      filter,
      payloadIndexes,
    });
    expect(rounds.map((h) => h.id).sort()).toEqual(want);
    const pushed = await lexicalList({ store, bm25 }, 'c', 'lamp', 100, { filter, payloadIndexes });
    expect(pushed).toEqual(rounds);
    // A field outside the collection's payload indexes is refused as the stores refuse it.
    await expect(
      lexicalList({ store: checking, bm25 }, 'c', 'lamp', 5, {
        filter: { must: [{ key: 'text', match: { value: 'lamp' } }] },
        payloadIndexes,
      }),
    ).rejects.toThrow(/not filterable/);
  });
});
