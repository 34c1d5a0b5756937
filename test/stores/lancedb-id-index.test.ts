import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnnSync } from '../../src/stores/lancedb/ann-sync.js';
import { ID_INDEX_THRESHOLD } from '../../src/stores/lancedb/table-maintenance.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';

/** Past ID_INDEX_THRESHOLD rows, `id` gets a BTREE index so get() stops scanning the table; answers stay exact. */
describe('LanceDB id index', () => {
  let dir: string;
  let store: LanceDbStore;
  const vec = (i: number) => [Math.sin(i), Math.cos(i), Math.sin(2 * i), 1];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chorus-id-index-'));
    store = await LanceDbStore.open({ dataDir: dir, indexMaintenance: 'inline' });
    await store.createCollection({ name: 'c', vectors: { text: { modality: 'text', dim: 4 } } });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is built past the threshold; get still sees every row, fresh and deleted ones included', async () => {
    const n = ID_INDEX_THRESHOLD;
    await store.upsert(
      'c',
      Array.from({ length: n - 1 }, (_, i) => ({
        id: `i${i}`,
        payload: { n: i },
        vectors: { text: vec(i) },
      })),
    );
    expect((await store.indexInfo('c')).some((x) => x.column === 'id')).toBe(false);
    await store.upsert('c', [
      { id: `i${n - 1}`, payload: { n: n - 1 }, vectors: { text: vec(n - 1) } },
    ]);
    expect(await store.indexInfo('c')).toContainEqual(
      expect.objectContaining({ column: 'id', type: 'BTree' }),
    );

    // Rows written after the index: found through the index's unindexed tail, updates win over old versions.
    await store.upsert('c', [
      { id: 'fresh', payload: { n: -1 }, vectors: { text: vec(-1) } },
      { id: 'i7', payload: { n: 7_000 }, vectors: { text: vec(7) } },
    ]);
    await store.delete('c', ['i8']);
    const got = await store.get('c', ['i0', 'i7', 'i8', 'fresh', `i${n - 1}`, 'never']);
    expect(got.map((i) => [i.id, i.payload.n])).toEqual([
      ['i0', 0],
      ['i7', 7_000],
      ['fresh', -1],
      [`i${n - 1}`, n - 1],
    ]);
    expect(await store.count('c')).toBe(n);
  });

  it('a store opened on a collection already past the threshold without the index builds it at its first write', async () => {
    // The collection reaches the threshold with no id index (dropped by hand, as after a crash before the build);
    // a fresh store's first write finds it due although its ANN index is only loaded by that write.
    const d = mkdtempSync(path.join(tmpdir(), 'chorus-id-index-open-'));
    try {
      const a = await LanceDbStore.open({ dataDir: d, indexMaintenance: 'inline' });
      await a.createCollection({ name: 'c', vectors: { text: { modality: 'text', dim: 4 } } });
      await a.upsert(
        'c',
        Array.from({ length: ID_INDEX_THRESHOLD + 5 }, (_, i) => ({
          id: `i${i}`,
          vectors: { text: vec(i) },
        })),
      );
      await a.close();
      const db = await lancedb.connect(path.join(d, 'lancedb'));
      const raw = await db.openTable('c');
      await raw.dropIndex('id_idx');
      raw.close();
      const b = await LanceDbStore.open({ dataDir: d, indexMaintenance: 'inline' });
      try {
        expect((await b.indexInfo('c')).some((x) => x.column === 'id')).toBe(false);
        await b.upsert('c', [{ id: 'one-more', vectors: { text: vec(-1) } }]);
        expect(await b.indexInfo('c')).toContainEqual(
          expect.objectContaining({ column: 'id', type: 'BTree' }),
        );
      } finally {
        await b.close();
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }, 120_000);

  it('concurrent writers past the threshold start one background maintenance run at a time', async () => {
    const d = mkdtempSync(path.join(tmpdir(), 'chorus-id-index-bg-'));
    const s = await LanceDbStore.open({ dataDir: d }); // background maintenance
    let maxRuns = 0;
    const original = AnnSync.prototype.maintenanceStarting;
    const spy = vi.spyOn(AnnSync.prototype, 'maintenanceStarting').mockImplementation(function (
      this: AnnSync,
    ) {
      original.call(this);
      maxRuns = Math.max(maxRuns, this.maintaining); // runs in flight (maintenanceDone lowers it)
    });
    try {
      await s.createCollection({ name: 'c', vectors: { text: { modality: 'text', dim: 4 } } });
      await s.upsert(
        'c',
        Array.from({ length: ID_INDEX_THRESHOLD - 3 }, (_, i) => ({
          id: `i${i}`,
          payload: { n: i },
          vectors: { text: vec(i) },
        })),
      );
      await s.flushMaintenance('c');
      // Six writers take the collection past the threshold in one group commit: each found the id index due and,
      // with an await before its run was registered, started a run (and an id-index build) of its own.
      await Promise.all(
        Array.from({ length: 6 }, (_, w) =>
          s.upsert('c', [{ id: `w${w}`, payload: { n: w }, vectors: { text: vec(-w) } }]),
        ),
      );
      await s.flushMaintenance('c');
      expect(maxRuns).toBeGreaterThanOrEqual(1);
      expect(maxRuns).toBe(1);
      expect(await s.indexInfo('c')).toContainEqual(
        expect.objectContaining({ column: 'id', type: 'BTree' }),
      );
    } finally {
      spy.mockRestore();
      await s.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
