import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { describe, expect, it } from 'vitest';
import { HNSW_PARAMS } from '../../src/stores/ann/vector-index.js';
import { AnnSync, type AnnSyncOptions } from '../../src/stores/lancedb/ann-sync.js';
import { arrowSchemaFor } from '../../src/stores/lancedb/columns.js';
import { commitRows } from '../../src/stores/lancedb/group-commit.js';
import { itemsToArrow } from '../../src/stores/lancedb/rows.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { rng, unitVector } from './builders.js';
import { tempDirs } from '../support/temp-dirs.js';
import { monitorMainThreadBlocks, type BlockMonitor } from '../support/main-thread-blocks.js';

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
/** The store's write lock as AnnSync sees it: one function at a time, in call order, a failure not blocking the next. */
function serialLock(): <T>(fn: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };
}

/** Collection "c"'s LanceDB table opened directly (no store), seeing every commit at once. */
async function tableOf(dir: string) {
  const db = await lancedb.connect(path.join(dir, 'lancedb'), { readConsistencyInterval: 0 });
  return { db, table: await db.openTable('c') };
}

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
    // 130 items (not 100): a graph of 130 present nodes and 130 removed ones can be opened again; at 100 + 100 the
    // saved graph is one usearch's binding cannot open (see graphMapSafe), and the open rebuilds it from the table.
    const n = 130;
    let store = await LanceDbStore.open({ ...opts, annCompactMinDead: 1_000_000 });
    await store.createCollection(schema);
    await store.upsert('c', items(n, 1));
    const latest = items(n, 2);
    await store.upsert('c', latest);
    await store.close();
    store = await LanceDbStore.open({ ...opts, annCompactMinDead: 50 });
    try {
      expect(await store.annKeySpace('c')).toEqual({ live: n, assigned: 2 * n });
      await until(async () => (await store.annKeySpace('c'))!.assigned === n);
      for (const it of latest.filter((_, i) => i % 9 === 0))
        expect((await store.search('c', 'text', it.vectors.text, 1))[0]?.id).toBe(it.id);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('an idle save that waited for the lock behind a write saves only once that write is absorbed', async () => {
    // The flake behind the test above: the idle save's timer fired while the second upsert committed (its check
    // found nothing to absorb yet), then waited for the lock; it ran right after the write had removed the 130 old
    // keys from the writable graph, before the 130 new rows were absorbed, and wrote the first graph file: 130
    // removed nodes, 0 present, which graphMapSafe rejects. The store then compacted (whatever the threshold) and
    // the "saved index that is mostly dead keys" was never saved. Forced here: the commit blocks past the timer.
    const dir = tempDir();
    const saveIdleMs = 100;
    const store = await LanceDbStore.open({
      dataDir: dir,
      annSaveIdleMs: saveIdleMs,
      annCompactMinDead: 1_000_000,
      searchThreads: 0,
    });
    try {
      await store.createCollection(schema);
      const n = 130;
      await store.upsert('c', items(n, 1));
      // Absorbed (the idle save's timer is set at that moment), no save yet.
      await until(async () =>
        (await store.indexInfo('c')).some((x) => x.type === 'usearch-hnsw' && x.unindexed === 0),
      );
      const blockUntil = performance.now() + 2 * saveIdleMs; // the timer is due once the commit awaits I/O
      await store.upsert('c', items(n, 2), {
        onCommit: () => {
          while (performance.now() < blockUntil);
        },
      });
      await new Promise((r) => setTimeout(r, 3 * saveIdleMs)); // the absorber, then the idle save
      await store.annKeySpace('c'); // waits for a compaction in flight
      expect(await store.annKeySpace('c')).toEqual({ live: n, assigned: 2 * n });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a compaction refused while table maintenance runs starts once it ends', async () => {
    const dir = tempDir();
    const store = await LanceDbStore.open({ dataDir: dir });
    const collection = await store.createCollection(schema);
    await store.upsert('c', items(60, 1));
    const { db, table } = await tableOf(dir);
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

  it('a burst of own writes during a compaction is replayed in slices: no long event-loop stall, no write lost, also after a reopen', async () => {
    // 20,000 items updated once (20,000 dead keys), then every item updated again while the compaction opens its
    // snapshot: each replayed update drops a key from the new graph, at a cost that grows with the keys dropped
    // (usearch's key table fills with tombstones). Replayed in one step at the swap, that stalled the event loop
    // ~1-2 s here (the 40k-row probe: 4.1 s).
    const n = 20_000;
    // Cheap graphs (the replay's cost is the removals, not the graph build): the test stays a few CPU seconds.
    const params = { ...HNSW_PARAMS, connectivity: 8, expansionAdd: 16 };
    const dir = tempDir();
    const store = await LanceDbStore.open({ dataDir: dir });
    const collection = await store.createCollection(schema);
    await store.close();
    const { db, table } = await tableOf(dir);
    const arrowSchema = arrowSchemaFor(collection);
    // Written straight to the table (no store: its table maintenance would look like another process's writes).
    await table.add(itemsToArrow(collection, arrowSchema, items(n, 1)));
    const lock = serialLock();
    const errors: unknown[] = [];
    let during: (() => Promise<void>) | undefined;
    const options = () => ({
      ...syncOptions(dir),
      params,
      compactMinDead: 1_000,
      onError: (e: unknown) => errors.push(e),
      onForeignChange: () => errors.push(new Error('compaction is not a foreign change')),
      openVersion: async (version: number) => {
        const burst = during;
        during = undefined;
        await burst?.();
        const handle = await db.openTable('c');
        await handle.checkout(version);
        return handle;
      },
    });
    const sync = new AnnSync(table, collection, lock, options());
    // As the store commits: under the lock, recorded in slices of 200 rows with the loop yielded between.
    const ownCommit = (rows: ReturnType<typeof items>) =>
      lock(async () => {
        const v = await table.version();
        sync.commitStarting(v);
        const after = await commitRows(
          { table, schema: collection, arrowSchema, ann: sync.loaded! },
          rows,
          v,
        );
        for (let i = 0; i < rows.length; i += 200) {
          if (i > 0) await new Promise((r) => setImmediate(r));
          sync.upserted(rows.slice(i, i + 200), after);
        }
        sync.commitEnded(v, after);
      });
    let blocks: BlockMonitor | undefined;
    let reopened: AnnSync | undefined;
    try {
      await sync.ready(); // from the table: 20,000 live keys
      for (let i = 0; i < n; i += 5_000) await ownCommit(items(5_000, 2, 'i', i)); // 20,000 dead
      const latest = items(n, 3);
      let burstDone = false;
      during = async () => {
        for (let i = 0; i < n; i += 2_000) await ownCommit(latest.slice(i, i + 2_000));
        burstDone = true;
      };
      await sync.flush(); // absorbs and saves in one blocking step, then starts the compaction
      blocks = monitorMainThreadBlocks();
      await until(async () => {
        await sync.whenCompacted();
        return burstDone && sync.keySpace()!.assigned < 3 * n;
      });
      // The monitor records a block when its timer fires after it: let it fire before reading.
      await new Promise((r) => setTimeout(r, 50));
      blocks.stop();
      expect(errors).toEqual([]);
      // Swapped in with the whole burst replayed: the snapshot's keys (dense) plus one per replayed row.
      expect(sync.keySpace()).toEqual({ live: n, assigned: 2 * n });
      // Main-thread CPU of the longest block (not wall time: a busy host deschedules the thread mid-step).
      expect(
        blocks.maxCpuMs(),
        `longest block ${blocks.maxWallMs().toFixed(0)} ms wall`,
      ).toBeLessThan(250);
      const ann = await sync.ready();
      expect(ann.tableVersion).toBe(await table.version());
      const check = (a: Awaited<ReturnType<AnnSync['ready']>>) => {
        for (const it of latest.filter((_, i) => i % 397 === 0))
          expect(a.search('text', it.vectors.text, 1)[0]?.id).toBe(it.id);
      };
      check(ann);
      expect(await table.countRows()).toBe(n);
      await sync.close(); // saved (no further compaction starts)
      reopened = new AnnSync(table, collection, lock, options());
      const again = await reopened.ready();
      expect(reopened.keySpace()!.live).toBe(n);
      expect(again.tableVersion).toBe(await table.version());
      check(again);
    } finally {
      blocks?.stop();
      await reopened?.close();
      await sync.close();
    }
  }, 120_000);

  it('close() does not wait forever for a compaction whose table read never answers', async () => {
    const dir = tempDir();
    const store = await LanceDbStore.open({ dataDir: dir });
    const collection = await store.createCollection(schema);
    await store.upsert('c', items(40, 1));
    const { table } = await tableOf(dir);
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
    const { db, table } = await tableOf(dir);
    const lock = serialLock();
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
