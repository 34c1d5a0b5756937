import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { describe, expect, it } from 'vitest';
import { HNSW_PARAMS } from '../../src/stores/ann/vector-index.js';
import { AnnSync, type AnnSyncOptions } from '../../src/stores/lancedb/ann-sync.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { rng, unitVector } from './builders.js';
import { tempDirs } from '../support/temp-dirs.js';

/**
 * Every write takes a fresh ANN key; a replaced or deleted item's key kept its exact row (and graph node) in memory
 * until a rebuild, so memory grew with updates. An idle index whose dead keys outnumber the live ones is rebuilt
 * aside and swapped in: keys dense again, answers unchanged, own writes made meanwhile kept.
 */
const DIM = 16;
const tempDir = tempDirs('chorus-ann-compact-');

const schema = {
  name: 'c',
  vectors: { text: { modality: 'text' as const, dim: DIM } },
  payloadIndexes: {},
};

function items(n: number, seed: number, prefix = 'i', from = 0) {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${from + i}`,
    payload: { n: from + i, seed },
    vectors: { text: unitVector(DIM, rand) },
  }));
}

/** The options the tests that drive an AnnSync directly share: no freshness checks or idle saves, compaction past 30 dead. */
const syncOptions = (dir: string) =>
  ({
    dir: path.join(dir, 'sync.ann'),
    params: HNSW_PARAMS,
    freshnessMs: null,
    saveIdleMs: 60_000,
    closeDrainMs: 0,
    compactMinDead: 30,
  }) satisfies Partial<AnnSyncOptions>;

async function until(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ANN compaction of dead keys', () => {
  it('updates past the live count: the idle index is rebuilt with dense keys, every item found by its latest vector, also after a reopen', async () => {
    const dir = tempDir();
    const opts = {
      dataDir: dir,
      // No idle save during the writes (it could compact between them, leaving fewer dead keys than the
      // threshold): the flush below starts the compaction.
      annSaveIdleMs: 60_000,
      annCompactMinDead: 200,
      searchThreads: 0,
      readConsistencyIntervalS: null,
    };
    let store = await LanceDbStore.open(opts);
    await store.createCollection(schema);
    const n = 300;
    await store.upsert('c', items(n, 1));
    await store.upsert('c', items(n, 2)); // every item replaced once: 300 dead keys
    const latest = items(n, 3);
    await store.upsert('c', latest.slice(0, 150)); // half replaced again
    await store.delete('c', ['i7', 'i8']);
    await store.flushIndex('c'); // saved now: no idle save follows, the flush itself must start the compaction
    const live = n - 2;

    // 450 dead >= 298 live and >= 200: compacted once writes are idle.
    await until(async () => (await store.annKeySpace('c'))!.assigned === live);
    expect(await store.annKeySpace('c')).toEqual({ live, assigned: live });

    const expectLatest = async (s: LanceDbStore) => {
      const want = [...latest.slice(0, 150), ...items(n, 2).slice(150)];
      for (const it of want.filter((_, i) => i % 7 === 0)) {
        const hits = await s.search('c', 'text', it.vectors.text, 1);
        if (it.id === 'i7' || it.id === 'i8') expect(hits[0]?.id).not.toBe(it.id);
        else expect(hits[0]?.id).toBe(it.id);
      }
      expect(await s.count('c')).toBe(live);
    };
    await expectLatest(store);
    // Writes after the swap go into the compacted index.
    const more = items(5, 4, 'new');
    await store.upsert('c', more);
    for (const it of more)
      expect((await store.search('c', 'text', it.vectors.text, 1))[0]?.id).toBe(it.id);
    await store.delete(
      'c',
      more.map((m) => m.id),
    );
    await store.close();

    store = await LanceDbStore.open(opts);
    try {
      const keys = await store.annKeySpace('c');
      expect(keys!.live).toBe(live);
      expect(keys!.assigned).toBeLessThanOrEqual(live + 5); // the saved, compacted index (plus the 5 deleted)
      await expectLatest(store);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a saved index that is mostly dead keys is compacted after an open, without a write', async () => {
    const dir = tempDir();
    const opts = { dataDir: dir, annSaveIdleMs: 30, searchThreads: 0 };
    let store = await LanceDbStore.open({ ...opts, annCompactMinDead: 1_000_000 });
    await store.createCollection(schema);
    await store.upsert('c', items(100, 1));
    const latest = items(100, 2);
    await store.upsert('c', latest);
    await store.close();
    store = await LanceDbStore.open({ ...opts, annCompactMinDead: 50 });
    try {
      expect(await store.annKeySpace('c')).toEqual({ live: 100, assigned: 200 });
      await until(async () => (await store.annKeySpace('c'))!.assigned === 100);
      for (const it of latest.filter((_, i) => i % 9 === 0))
        expect((await store.search('c', 'text', it.vectors.text, 1))[0]?.id).toBe(it.id);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a compaction refused while table maintenance runs starts once it ends', async () => {
    const dir = tempDir();
    const store = await LanceDbStore.open({ dataDir: dir });
    const collection = await store.createCollection(schema);
    await store.upsert('c', items(60, 1));
    const db = await lancedb.connect(path.join(dir, 'lancedb'), { readConsistencyInterval: 0 });
    const table = await db.openTable('c');
    const lock = <T>(fn: () => Promise<T>): Promise<T> => fn();
    const sync = new AnnSync(table, collection, lock, {
      ...syncOptions(dir),
      onError: (e) => {
        throw e;
      },
      onForeignChange: () => undefined,
      openVersion: async (version) => {
        const handle = await db.openTable('c');
        await handle.checkout(version);
        return handle;
      },
    });
    try {
      await sync.ready(); // 60 live keys from the table
      const v = await table.version();
      sync.upserted(items(60, 2), v); // the same ids again (as if committed): 60 dead keys
      sync.maintenanceStarting();
      await sync.flush(); // would compact, but maintenance is running
      await new Promise((r) => setTimeout(r, 100));
      expect(sync.keySpace()).toEqual({ live: 60, assigned: 120 });
      await sync.maintenanceDone();
      await until(async () => {
        await sync.whenCompacted();
        return sync.keySpace()!.assigned === 60;
      });
    } finally {
      await sync.close();
      await store.close();
    }
  }, 60_000);

  it('close() does not wait forever for a compaction whose table read never answers', async () => {
    const dir = tempDir();
    const store = await LanceDbStore.open({ dataDir: dir });
    const collection = await store.createCollection(schema);
    await store.upsert('c', items(40, 1));
    const db = await lancedb.connect(path.join(dir, 'lancedb'), { readConsistencyInterval: 0 });
    const table = await db.openTable('c');
    let opened = false;
    const sync = new AnnSync(table, collection, (fn) => fn(), {
      ...syncOptions(dir),
      onError: () => undefined,
      onForeignChange: () => undefined,
      openVersion: () => {
        opened = true;
        return new Promise(() => undefined); // never answers
      },
    });
    try {
      await sync.ready();
      sync.upserted(items(40, 2), await table.version()); // 40 dead keys
      await sync.flush(); // starts the compaction, which hangs in openVersion
      expect(opened).toBe(true);
      const t0 = Date.now();
      await sync.close();
      expect(Date.now() - t0).toBeLessThan(20_000);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('below the threshold (or fewer dead than live) nothing is rebuilt', async () => {
    const dir = tempDir();
    const store = await LanceDbStore.open({
      dataDir: dir,
      annSaveIdleMs: 30,
      annCompactMinDead: 200,
      searchThreads: 0,
    });
    try {
      await store.createCollection(schema);
      await store.upsert('c', items(300, 1));
      await store.upsert('c', items(250, 2)); // 250 dead < 300 live
      await new Promise((r) => setTimeout(r, 400)); // several idle saves' worth
      expect(await store.annKeySpace('c')).toEqual({ live: 300, assigned: 550 });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('an own write committed while the compaction reads its snapshot is replayed onto the new index', async () => {
    const dir = tempDir();
    const store = await LanceDbStore.open({ dataDir: dir });
    const collection = await store.createCollection(schema);
    await store.upsert('c', items(40, 1));
    await store.upsert('c', items(40, 2));
    const other = await LanceDbStore.open({ dataDir: dir }); // commits the "own" writes below
    const db = await lancedb.connect(path.join(dir, 'lancedb'), { readConsistencyInterval: 0 });
    const table = await db.openTable('c');
    let chain: Promise<unknown> = Promise.resolve();
    const lock = <T>(fn: () => Promise<T>): Promise<T> => {
      const next = chain.then(fn, fn);
      chain = next.catch(() => undefined);
      return next;
    };
    const errors: unknown[] = [];
    let during: (() => Promise<void>) | undefined;
    const sync = new AnnSync(table, collection, lock, {
      ...syncOptions(dir),
      saveIdleMs: 20,
      onError: (e) => errors.push(e),
      onForeignChange: () => errors.push(new Error('compaction is not a foreign change')),
      openVersion: async (version) => {
        await during?.();
        during = undefined;
        const handle = await db.openTable('c');
        await handle.checkout(version);
        return handle;
      },
    });
    const ownCommit = async (rows: ReturnType<typeof items>) => {
      const v = await table.version();
      sync.commitStarting(v);
      await other.upsert('c', rows);
      sync.upserted(rows, v + 1);
      sync.commitEnded(v, v + 1);
    };
    try {
      await sync.ready(); // built from the table: 40 live keys
      const replaced = items(40, 3);
      await ownCommit(replaced); // 40 dead
      const late = items(3, 4, 'late');
      const moved = items(1, 5); // i0 again, with a new vector
      during = async () => {
        await ownCommit(late);
        await ownCommit(moved);
      };
      await until(async () => {
        await sync.whenCompacted();
        const k = sync.keySpace()!;
        return k.assigned <= k.live + 1 && k.live === 43;
      });
      expect(errors).toEqual([]);
      const ann = await sync.ready();
      const top = (v: Float32Array) => ann.search('text', v, 1)[0]?.id;
      for (const it of late) expect(top(it.vectors.text)).toBe(it.id);
      expect(top(moved[0]!.vectors.text)).toBe('i0');
      for (const it of replaced.slice(1)) expect(top(it.vectors.text)).toBe(it.id);
      expect(ann.tableVersion).toBe(await table.version());
    } finally {
      await sync.close();
      await other.close();
      await store.close();
    }
  }, 60_000);
});
