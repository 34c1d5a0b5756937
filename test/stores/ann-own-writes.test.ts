import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { describe, expect, it } from 'vitest';
import { HNSW_PARAMS } from '../../src/stores/ann/vector-index.js';
import { AnnSync } from '../../src/stores/lancedb/ann-sync.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { rng, unitVector } from './builders.js';
import { tempDirs } from '../support/temp-dirs.js';

/**
 * The ANN index rebuilds from the table only for writes from elsewhere: never for this store's own commits or its
 * own background maintenance, however searches (which check the table version) interleave with them (issue 17: a
 * bulk load with searches rebuilt the index from the table again and again, each a full scan on the event loop).
 */
const DIM = 16;
const tempDir = tempDirs('chorus-ann-own-');

const schema = {
  name: 'c',
  vectors: { text: { modality: 'text' as const, dim: DIM } },
  payloadIndexes: {},
};

function items(
  n: number,
  seed: number,
  prefix: string,
): { id: string; payload: { n: number }; vectors: { text: Float32Array } }[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    payload: { n: i },
    vectors: { text: unitVector(DIM, rand) },
  }));
}

/**
 * Searches every few ms while `busy` holds (each search may start the table-version check); `done.n` counts them
 * as they go.
 */
async function searchWhile(
  store: LanceDbStore,
  busy: () => boolean,
  done = { n: 0 },
): Promise<number> {
  const q = items(1, 99, 'q')[0]!.vectors.text;
  while (busy()) {
    await store.search('c', 'text', q, 5);
    done.n++;
    await new Promise((r) => setTimeout(r, 5));
  }
  return done.n;
}

/**
 * An AnnSync over a real table, driven by hand: `other` writes the table without telling it (another process),
 * and the test says what was its own.
 */
async function handDriven(hooks: { opening?: () => Promise<void> } = {}) {
  const dir = tempDir();
  const store = await LanceDbStore.open({ dataDir: dir });
  const collection = await store.createCollection(schema);
  await store.upsert('c', items(20, 1, 'seed'));
  const other = await LanceDbStore.open({ dataDir: dir }); // writes the table without telling `sync`
  const db = await lancedb.connect(path.join(dir, 'lancedb'), { readConsistencyInterval: 0 });
  const table = await db.openTable('c');
  let chain: Promise<unknown> = Promise.resolve();
  const lock = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };
  const counts = { rebuilds: 0 };
  const sync = new AnnSync(table, collection, lock, {
    dir: path.join(dir, 'sync.ann'),
    params: HNSW_PARAMS,
    freshnessMs: 0, // check on every ready()
    saveIdleMs: 60_000,
    closeDrainMs: 0,
    onError: (e) => {
      throw e;
    },
    onForeignChange: () => counts.rebuilds++,
    openVersion: async (version) => {
      await hooks.opening?.();
      const handle = await db.openTable('c');
      await handle.checkout(version);
      return handle;
    },
  });
  const check = async () => {
    await sync.ready();
    await sync.whenChecked(); // the version check (and a rebuild) runs in the background
  };
  /** An own commit of `rows`, recorded as the store records one (bracketed, then upserted at its version). */
  const ownCommit = async (rows: ReturnType<typeof items>) => {
    const v = await table.version();
    sync.commitStarting(v);
    await other.upsert('c', rows);
    sync.upserted(rows, v + 1);
    sync.commitEnded(v, v + 1);
  };
  return { store, other, table, sync, check, counts, ownCommit };
}

describe('ANN index and own writes', () => {
  it('a version check while an own commit or maintenance is in flight does not rebuild; a foreign write does', async () => {
    const { store, other, table, sync, check, counts, ownCommit } = await handDriven();
    await check();
    expect(counts.rebuilds).toBe(0);

    // An own commit whose version is in the table but not yet recorded: no rebuild.
    const before = await table.version();
    sync.commitStarting(before);
    const rows = items(5, 2, 'own');
    await other.upsert('c', rows);
    await check();
    expect(counts.rebuilds).toBe(0);
    sync.upserted(rows, before + 1);
    sync.commitEnded(before, before + 1);
    await check();
    expect(counts.rebuilds).toBe(0);

    // Maintenance: its versions change no rows; recorded by maintenanceDone (which lowers `maintaining`).
    sync.maintenanceStarting();
    await table.optimize();
    await check();
    expect(counts.rebuilds).toBe(0);
    await sync.maintenanceDone();
    expect(sync.maintaining).toBe(0);
    await check();
    expect(counts.rebuilds).toBe(0);

    // A write no one here recorded: rebuilt from the table.
    await other.upsert('c', items(3, 3, 'theirs'));
    await check();
    expect(counts.rebuilds).toBe(1);
    // ...and one that an own commit's version would hide (seen as a gap around the own commit).
    await other.upsert('c', items(3, 4, 'theirs2'));
    await ownCommit(items(2, 5, 'mine'));
    await check();
    expect(counts.rebuilds).toBe(2);
    const ann = await sync.ready();
    expect(ann.search('text', items(3, 4, 'theirs2')[1]!.vectors.text, 1)[0]?.id).toBe('theirs21');
    await other.close();
    await store.close();
  });

  it('a foreign write while maintenance runs is picked up when it ends; maintenance alone rebuilds nothing', async () => {
    const { store, other, table, sync, check, counts, ownCommit } = await handDriven();
    await check();
    // Maintenance with an own commit inside its window: no rebuild.
    sync.maintenanceStarting();
    await table.createIndex('id', { replace: true });
    await ownCommit(items(2, 6, 'mine'));
    await table.optimize();
    await sync.maintenanceDone();
    await check();
    expect(counts.rebuilds).toBe(0);
    // Another process writes while maintenance runs: its version is not flagged then (maintenance versions are
    // expected), so the window is checked when maintenance ends.
    sync.maintenanceStarting();
    await table.optimize();
    const theirs = items(3, 7, 'theirs');
    await other.upsert('c', theirs);
    await sync.maintenanceDone();
    await check();
    expect(counts.rebuilds).toBe(1);
    const ann = await sync.ready();
    expect(ann.search('text', theirs[2]!.vectors.text, 1)[0]?.id).toBe('theirs2');
    // ...and a foreign delete inside a window too.
    sync.maintenanceStarting();
    await other.delete('c', ['theirs0']);
    await sync.maintenanceDone();
    await check();
    expect(counts.rebuilds).toBe(2);
    expect((await sync.ready()).search('text', theirs[0]!.vectors.text, 1)[0]?.id).not.toBe(
      'theirs0',
    );
    await other.close();
    await store.close();
  });

  it("a foreign write inside a maintenance window is picked up although an own commit's version came after it", async () => {
    const { store, other, table, sync, check, counts, ownCommit } = await handDriven();
    await check();
    // The other process writes while maintenance runs, then an own commit lands: the index records the own commit's
    // version, which is the table's newest, but the foreign version below it is still not in the index.
    sync.maintenanceStarting();
    await table.optimize();
    const theirs = items(3, 9, 'theirs');
    await other.upsert('c', theirs);
    await ownCommit(items(2, 10, 'mine'));
    expect(sync.loaded?.tableVersion).toBe(await table.version());
    await sync.maintenanceDone();
    await check();
    expect(counts.rebuilds).toBe(1);
    expect((await sync.ready()).search('text', theirs[1]!.vectors.text, 1)[0]?.id).toBe('theirs1');
    // The same with the own commit in flight across the foreign write (its version is two past the one before it).
    sync.maintenanceStarting();
    const before = await table.version();
    sync.commitStarting(before);
    const theirs2 = items(3, 11, 'other');
    await other.upsert('c', theirs2);
    const mine = items(2, 12, 'mine2');
    await other.upsert('c', mine);
    sync.upserted(mine, before + 2);
    sync.commitEnded(before, before + 2);
    await sync.maintenanceDone();
    await check();
    expect(counts.rebuilds).toBe(2);
    expect((await sync.ready()).search('text', theirs2[2]!.vectors.text, 1)[0]?.id).toBe('other2');
    await other.close();
    await store.close();
  });

  it('an own commit answered with a version past its own (maintenance committed right after it) is still its own', async () => {
    const { store, other, table, sync, check, counts } = await handDriven();
    await check();
    // LanceDB answered an add with the table's newest version when the maintenance handle committed right after it
    // (seen under concurrent writers: data at v, answer v + 1): the data version then looked like another process's.
    sync.maintenanceStarting();
    const before = await table.version();
    sync.commitStarting(before);
    const mine = items(2, 15, 'mine');
    await other.upsert('c', mine); // the commit's data: before + 1
    await table.createIndex('id', { replace: true }); // maintenance: before + 2, no data change
    sync.upserted(mine, before + 2);
    sync.commitEnded(before, before + 2);
    await sync.maintenanceDone();
    await check();
    expect(counts.rebuilds).toBe(0);
    // Two data changes in one own commit's range: one is another process's write.
    sync.maintenanceStarting();
    const b2 = await table.version();
    sync.commitStarting(b2);
    const mine2 = items(2, 16, 'mine2');
    await other.upsert('c', mine2);
    const theirs = items(2, 17, 'theirs');
    await other.upsert('c', theirs);
    sync.upserted(mine2, b2 + 2);
    sync.commitEnded(b2, b2 + 2);
    await sync.maintenanceDone();
    await check();
    expect(counts.rebuilds).toBe(1);
    expect((await sync.ready()).search('text', theirs[1]!.vectors.text, 1)[0]?.id).toBe('theirs1');
    await other.close();
    await store.close();
  });

  it('own writes that commit while a rebuild opens its snapshot are in the rebuilt index, which is not rebuilt again', async () => {
    const hooks: { opening?: () => Promise<void> } = {};
    const { store, other, sync, check, counts, ownCommit } = await handDriven(hooks);
    await check();
    const theirs = items(3, 13, 'theirs');
    await other.upsert('c', theirs);
    // The rebuild has read the table version; two own commits land before its snapshot opens (not in the snapshot).
    // Each sees the index behind the table (the foreign version is not in it yet) and flags it again.
    const during = items(2, 14, 'during');
    hooks.opening = async () => {
      hooks.opening = undefined;
      await ownCommit(during.slice(0, 1));
      await ownCommit(during.slice(1));
    };
    await check();
    expect(counts.rebuilds).toBe(1);
    const ann = await sync.ready();
    expect(ann.search('text', theirs[0]!.vectors.text, 1)[0]?.id).toBe('theirs0');
    expect(ann.search('text', during[0]!.vectors.text, 1)[0]?.id).toBe('during0');
    expect(ann.search('text', during[1]!.vectors.text, 1)[0]?.id).toBe('during1');
    // The flags those commits raised were for the write the snapshot holds: no second rebuild.
    await check();
    await check();
    expect(counts.rebuilds).toBe(1);
    await other.close();
    await store.close();
  });

  it('concurrent own writes, background maintenance and searches never rebuild the index', async () => {
    const rebuilds: string[] = [];
    const store = await LanceDbStore.open({
      dataDir: tempDir(),
      readConsistencyIntervalS: 0, // the most eager version check: at most once a second on searches
      onIndexRebuild: (collection) => rebuilds.push(collection),
    });
    await store.createCollection(schema);
    await store.upsert('c', items(50, 1, 'seed'));
    let writing = true;
    const searched = { n: 0 };
    const searches = searchWhile(store, () => writing, searched);
    const t0 = performance.now();
    let batches = 0;
    // Six writers for > 3 s and > 64 batches: many commits, and maintenance (every 32 writes) compacting in the
    // background. The counts, not only the time, end it (a loaded CI box commits fewer batches in 3.5 s); 45 s at
    // most, when the checks below fail.
    const more = () =>
      performance.now() - t0 < 45_000 &&
      (performance.now() - t0 < 3500 || batches <= 64 || searched.n <= 20);
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let b = 0; more(); b++) {
          await store.upsert('c', items(20, 1000 * w + b, `w${w}-${b}-`));
          batches++;
        }
      }),
    );
    writing = false;
    expect(await searches).toBeGreaterThan(20);
    expect(batches).toBeGreaterThan(64);
    await new Promise((r) => setTimeout(r, 1100)); // a check after the writes, past the interval
    await store.search('c', 'text', items(1, 5, 'x')[0]!.vectors.text, 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(rebuilds).toEqual([]);
    const info = (await store.indexInfo('c')).find((i) => i.type === 'usearch-hnsw')!;
    expect(info.indexed + info.unindexed).toBe(50 + 20 * batches);
    await store.close();
  }, 60_000);

  // Was a flake (about 1 run in 5, pick-up never came): when the CLI's write landed inside a maintenance window and an
  // own commit followed it, maintenanceDone took the own commit's version for the index's and skipped the window
  // check (see "a foreign write inside a maintenance window ..." above, which shows it deterministically).
  it(
    "another process's write is picked up even while own writes never pause",
    { timeout: 100_000 },
    async () => {
      const dir = tempDir();
      const rebuilds: string[] = [];
      const server = await LanceDbStore.open({
        dataDir: dir,
        readConsistencyIntervalS: 0,
        onIndexRebuild: (collection) => rebuilds.push(collection),
      });
      await server.createCollection(schema);
      await server.upsert('c', items(50, 1, 'seed'));
      // A seed no writer reaches (writer w's batch b uses seed 500w + b): with 21, writer 0's 21st batch held the same
      // vectors, and a search could answer its copy of cli3 first (the test then failed whenever pick-up was slow).
      const theirs = items(10, 1_000_000, 'cli');
      let found = false;
      let writing = true;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        for (let b = 0; writing; b++)
          await server.upsert('c', items(5, 500 * w + b, `own${w}-${b}-`));
      });
      await new Promise((r) => setTimeout(r, 300));
      const cli = await LanceDbStore.open({ dataDir: dir }); // the CLI beside a running server
      await cli.upsert('c', theirs);
      await cli.close();
      // Up to 30 s: the rebuild from a table snapshot runs beside four writers that never pause, on a box that may be
      // running the rest of the suite (10 s was seen to run out under load).
      for (let t = 0; t < 300 && !found; t++) {
        await new Promise((r) => setTimeout(r, 100));
        found = (await server.search('c', 'text', theirs[3]!.vectors.text, 1))[0]?.id === 'cli3';
      }
      writing = false;
      await Promise.all(writers);
      expect(found).toBe(true);
      expect(rebuilds.length).toBeGreaterThanOrEqual(1);
      await server.close();
    },
  );
});
