import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Index } from 'usearch';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LanceDbStore, type LanceDbStoreOptions } from '../../src/stores/lancedb-store.js';
import type { ItemInput } from '../../src/stores/vector-store.js';
import { near, rng, unitVector } from './builders.js';
import { tempDirs } from '../support/temp-dirs.js';

/**
 * Writes after opening a saved, memory-mapped graph never copy it into memory (usearch's synchronous `load` blocked
 * the event loop 2.1 s at 1M x 384): new rows go into a small delta graph searched beside the mapped one, removals of
 * mapped keys are read past, a save writes the delta's rows beside the unchanged graph file, and a flush folds
 * everything into one graph. `annMappedCopyMaxBytes: 0` makes these small graphs behave as big ones do by default.
 */
const DIM = 24;
const tempDir = tempDirs('chorus-ann-delta-');
afterEach(() => vi.restoreAllMocks());

async function open(
  dataDir: string,
  extra: Partial<LanceDbStoreOptions> = {},
): Promise<LanceDbStore> {
  return LanceDbStore.open({
    dataDir,
    indexMaintenance: 'inline',
    annSaveIdleMs: 60_000,
    annMappedCopyMaxBytes: 0,
    searchThreads: 0,
    ...extra,
  });
}

type TestItem = ItemInput & { vectors: { text: Float32Array } };

function items(n: number, seed: number, prefix = 'i'): TestItem[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    payload: { n: i },
    vectors: { text: unitVector(DIM, rand) },
  }));
}

const schema = { name: 'c', vectors: { text: { modality: 'text' as const, dim: DIM } } };
const annDir = (dir: string) => path.join(dir, 'lancedb', 'c.ann');
const manifest = (dir: string) =>
  JSON.parse(readFileSync(path.join(annDir(dir), 'manifest.json'), 'utf8')) as {
    vectors: { text: { file: string; rowKeys: number[]; dead: number[] } };
  };

async function hnswInfo(store: LanceDbStore) {
  return (await store.indexInfo('c')).find((i) => i.type === 'usearch-hnsw')!;
}

/** Waits until the background absorber has taken every pending row (into the delta graph here). */
async function absorbed(store: LanceDbStore): Promise<void> {
  for (let t = 0; t < 600 && (await hnswInfo(store)).unindexed > 0; t++)
    await new Promise((r) => setTimeout(r, 20));
  expect((await hnswInfo(store)).unindexed).toBe(0);
}

async function top(store: LanceDbStore, v: Float32Array, k = 1) {
  return store.search('c', 'text', v, k);
}

/** A saved collection of `n` items (graph flushed and saved), closed. */
async function saved(dir: string, n: number): Promise<TestItem[]> {
  const data = items(n, 1);
  const first = await open(dir);
  await first.createCollection(schema);
  await first.upsert('c', data);
  await first.flushIndex('c');
  await first.close();
  return data;
}

describe('writes after opening a memory-mapped graph', () => {
  it('go into a delta graph without copying the mapped graph: visible at once, absorbed, saved beside it, folded by a flush', async () => {
    const dir = tempDir();
    const data = await saved(dir, 600);
    const graphFile = manifest(dir).vectors.text.file;
    const load = vi.spyOn(Index.prototype, 'load');

    const store = await open(dir);
    const fresh = items(50, 2, 'n');
    const replaced = items(10, 3).map((d, i) => ({ ...d, id: `i${i}` })); // mapped keys: deferred
    await store.upsert('c', [...fresh, ...replaced]);
    await store.delete('c', ['i20', 'i21']);
    const check = async () => {
      expect((await top(store, fresh[7]!.vectors.text))[0]?.id).toBe('n7');
      const moved = await top(store, replaced[3]!.vectors.text);
      expect(moved[0]?.id).toBe('i3');
      expect(moved[0]?.score).toBeCloseTo(1, 5); // scored by its new vector
      const old = (await top(store, data[3]!.vectors.text, 20)).map((h) => h.id);
      expect(old).toHaveLength(20);
      expect(old[0]).not.toBe('i3');
      const gone = (await top(store, data[20]!.vectors.text, 20)).map((h) => h.id);
      expect(gone).toHaveLength(20);
      expect(gone).not.toContain('i20');
      expect(await top(store, near(data[300]!.vectors.text, rng(4)))).toMatchObject([
        { id: 'i300' },
      ]);
    };
    await check(); // exact scan of the pending rows
    await absorbed(store);
    await check(); // the delta graph beside the mapped one
    expect(await hnswInfo(store)).toMatchObject({ indexed: 648, unindexed: 0 });
    expect(load).not.toHaveBeenCalled();

    // A delete of a row in the delta graph.
    await store.delete('c', ['n8']);
    expect((await top(store, fresh[8]!.vectors.text, 5)).map((h) => h.id)).not.toContain('n8');
    await store.close();
    expect(load).not.toHaveBeenCalled();
    // The graph file was not rewritten: the delta's rows and the dead keys are saved beside it.
    const m = manifest(dir).vectors.text;
    expect(m.file).toBe(graphFile);
    expect(m.rowKeys).toHaveLength(59);
    expect(m.dead).toHaveLength(12);

    const again = await open(dir);
    expect(await hnswInfo(again)).toMatchObject({ indexed: 588, unindexed: 59 });
    expect(await again.count('c')).toBe(647);
    expect((await top(again, fresh[9]!.vectors.text))[0]?.id).toBe('n9');
    expect((await top(again, replaced[4]!.vectors.text))[0]?.score).toBeCloseTo(1, 5);
    await absorbed(again);
    expect(load).not.toHaveBeenCalled();
    // A flush (blocking by contract) folds the delta graph and the dead keys into one graph and saves it.
    await again.flushIndex('c');
    expect(load).toHaveBeenCalledTimes(1);
    expect(await hnswInfo(again)).toMatchObject({ indexed: 647, unindexed: 0 });
    expect(manifest(dir).vectors.text.file).not.toBe(graphFile);
    expect(manifest(dir).vectors.text.dead).toEqual([]);
    expect((await top(again, fresh[9]!.vectors.text))[0]?.id).toBe('n9');
    expect((await top(again, data[21]!.vectors.text, 20)).map((h) => h.id)).not.toContain('i21');
    await again.close();
    expect(readdirSync(annDir(dir)).filter((f) => f.endsWith('.usearch'))).toHaveLength(1);
  });

  it('a run that dies after saving its delta rows beside the mapped graph reopens from that save, agreeing with the table', async () => {
    const dir = tempDir();
    const data = await saved(dir, 400);
    const generation = () =>
      (
        JSON.parse(readFileSync(path.join(annDir(dir), 'manifest.json'), 'utf8')) as {
          generation: number;
        }
      ).generation;
    const before = generation();
    const crashed = await open(dir, { annSaveIdleMs: 30 });
    const fresh = items(30, 7, 'n');
    await crashed.upsert('c', fresh);
    await crashed.delete('c', ['i10', 'n3']);
    await absorbed(crashed);
    for (let t = 0; t < 600 && generation() === before; t++)
      await new Promise((r) => setTimeout(r, 50));
    expect(generation()).toBeGreaterThan(before);
    // Never closed (a kill): the next open takes the saved state, not a rebuild from the table.
    const reopened = await open(dir);
    expect(await hnswInfo(reopened)).toMatchObject({ indexed: 399, unindexed: 29 });
    expect(await reopened.count('c')).toBe(428);
    expect((await top(reopened, fresh[20]!.vectors.text))[0]?.id).toBe('n20');
    for (const [v, id] of [
      [fresh[3]!.vectors.text, 'n3'],
      [data[10]!.vectors.text, 'i10'],
    ] as const)
      expect((await top(reopened, v, 20)).map((h) => h.id)).not.toContain(id);
    await reopened.close();
  });

  it('a search reads past many dead keys of the mapped graph near its query (asked again deeper when short)', async () => {
    const dir = tempDir();
    const data = await saved(dir, 500);
    const q = data[0]!.vectors.text;
    const cos = (v: Float32Array) => v.reduce((s, x, j) => s + x * q[j]!, 0);
    const ranked = [...data].sort((a, b) => cos(b.vectors.text) - cos(a.vectors.text));
    const store = await open(dir);
    // The 40 nearest items die (deferred inside the read-only graph): more than a search reads past at first.
    await store.delete(
      'c',
      ranked.slice(0, 40).map((d) => d.id),
    );
    const hits = (await top(store, q, 10)).map((h) => h.id);
    expect(hits).toEqual(ranked.slice(40, 50).map((d) => d.id));
    await store.close();
  });

  it('search threads serve the mapped file while this thread searches the delta graph, with exact scores', async () => {
    const dir = tempDir();
    const data = await saved(dir, 800);
    const load = vi.spyOn(Index.prototype, 'load');
    const store = await open(dir, { searchThreads: 2, searchThreadsMinGraph: 0 });
    const fresh = items(40, 5, 'n');
    await store.upsert('c', fresh);
    await absorbed(store);
    for (const i of [0, 13, 39]) {
      const hits = await top(store, fresh[i]!.vectors.text, 10);
      expect(hits[0]).toMatchObject({ id: `n${i}` });
      expect(hits[0]!.score).toBeCloseTo(1, 5);
    }
    expect((await top(store, data[500]!.vectors.text))[0]?.id).toBe('i500');
    expect(store.searchThreadStats()!.searches).toBeGreaterThanOrEqual(4);
    expect(load).not.toHaveBeenCalled();
    await store.close();
  });

  it('a small mapped graph (at most annMappedCopyMaxBytes) is copied on the first write, as before', async () => {
    const dir = tempDir();
    await saved(dir, 300);
    const load = vi.spyOn(Index.prototype, 'load');
    const store = await open(dir, { annMappedCopyMaxBytes: 64 * 2 ** 20 });
    await store.upsert('c', items(5, 6, 'n'));
    await absorbed(store);
    expect(load).toHaveBeenCalledTimes(1);
    await store.close();
  });
});
