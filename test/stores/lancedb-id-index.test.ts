import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
