import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, describe, expect, it } from 'vitest';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import type { ItemInput } from '../../src/stores/vector-store.js';

/**
 * The LanceDB write path (issue 17): concurrent upserts share commits (group commit), new ids are appended and
 * existing ids updated in place (never duplicated, also when another store instance wrote them), an aborted queued
 * batch is not applied while its neighbours are, and no upsert overtakes a delete queued before it.
 */
const DIM = 8;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function fresh(): Promise<{ dir: string; store: LanceDbStore }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-group-'));
  dirs.push(dir);
  const store = await LanceDbStore.open({ dataDir: dir, annSaveIdleMs: 60_000 });
  await store.createCollection({ name: 'c', vectors: { v: { modality: 'text', dim: DIM } } });
  return { dir, store };
}

/** A distinct direction per id (a string hash seeds it). */
const seedOf = (id: string) => [...id].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 100_003, 7);
const item = (id: string, tag = 'a'): ItemInput => ({
  id,
  payload: { tag },
  vectors: {
    v: Float32Array.from({ length: DIM }, (_, i) => Math.sin(seedOf(id) * 0.37 * (i + 1))),
  },
});
const batch = (prefix: string, n: number, tag = 'a') =>
  Array.from({ length: n }, (_, i) => item(`${prefix}-${i}`, tag));

async function tableVersion(dir: string): Promise<number> {
  const db = await lancedb.connect(path.join(dir, 'lancedb'));
  const t = await db.openTable('c');
  const v = await t.version();
  t.close();
  db.close();
  return v;
}

async function tags(store: LanceDbStore, ids: string[]): Promise<Record<string, unknown>> {
  const items = await store.get('c', ids);
  return Object.fromEntries(items.map((i) => [i.id, i.payload.tag]));
}

describe('LanceDB group commit', () => {
  it('concurrent upserts share commits; each caller is answered once its rows are stored', async () => {
    const { dir, store } = await fresh();
    await store.upsert('c', batch('warm', 1)); // the index is loaded: later writes queue without waiting for it
    const before = await tableVersion(dir);
    const writes = Array.from({ length: 8 }, (_, w) =>
      store.upsert('c', batch(`w${w}`, 50)).then(async (r) => {
        // Answered: every row of this batch is readable now.
        expect((await store.get('c', [`w${w}-0`, `w${w}-49`])).length).toBe(2);
        return r.upserted;
      }),
    );
    expect(await Promise.all(writes)).toEqual(Array(8).fill(50));
    expect(await store.count('c')).toBe(401);
    const commits = (await tableVersion(dir)) - before;
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThan(8); // grouped (typically 2: the first batch alone, then the 7 queued behind it)
    const [hit] = await store.search('c', 'v', item('w5-7').vectors!.v!, 1);
    expect(hit?.id).toBe('w5-7');
    await store.close();
  });

  it('updates existing ids in place: no duplicate rows, in one batch, across batches of one group, and across store instances', async () => {
    const { dir, store } = await fresh();
    await store.upsert('c', batch('x', 20, 'old'));
    // The same ids again, concurrently with new ones: updated, never appended twice.
    await Promise.all([
      store.upsert('c', batch('x', 20, 'new')),
      store.upsert('c', batch('y', 10)),
      store.upsert('c', [item('x-3', 'newest')]),
    ]);
    expect(await store.count('c')).toBe(30);
    const t = await tags(store, ['x-0', 'x-3', 'x-19', 'y-9']);
    expect(t).toEqual({ 'x-0': 'new', 'x-3': 'newest', 'x-19': 'new', 'y-9': 'a' });

    // Another store instance (as another process would) writes ids this one has not seen, then this one writes them.
    const other = await LanceDbStore.open({ dataDir: dir, annSaveIdleMs: 60_000 });
    await other.upsert('c', batch('z', 5, 'other'));
    await other.close();
    await store.upsert('c', batch('z', 5, 'mine'));
    expect(await store.count('c')).toBe(35);
    expect(await tags(store, ['z-0', 'z-4'])).toEqual({ 'z-0': 'mine', 'z-4': 'mine' });
    await store.close();
  });

  it('a queued batch whose caller gave up is not applied; the batches around it are', async () => {
    const { store } = await fresh();
    await store.upsert('c', batch('warm', 1));
    const gaveUp = new AbortController();
    const first = store.upsert('c', batch('a', 30));
    const second = store.upsert('c', batch('b', 30), { signal: gaveUp.signal });
    const third = store.upsert('c', batch('c', 30));
    gaveUp.abort(new Error('client went away'));
    await expect(second).rejects.toThrow('client went away');
    await Promise.all([first, third]);
    expect(await store.count('c')).toBe(61);
    expect(await store.get('c', ['b-0', 'b-29'])).toEqual([]);
    await store.close();
  });

  it('an upsert queued after a delete is not moved ahead of it', async () => {
    const { store } = await fresh();
    await store.upsert('c', batch('warm', 1));
    const ops = [
      store.upsert('c', [item('k', 'first')]),
      store.delete('c', ['k']),
      store.upsert('c', [item('k', 'second')]),
      store.upsert('c', [item('gone', 'x')]),
      store.delete('c', ['gone']),
    ];
    await Promise.all(ops);
    expect(await tags(store, ['k', 'gone'])).toEqual({ k: 'second' });
    expect(await store.count('c')).toBe(2);
    await store.close();
  });
});
