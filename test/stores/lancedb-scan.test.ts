import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/domain/item.js';
import { rebatch } from '../../src/stores/item-batches.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { tempDirs } from '../support/temp-dirs.js';

const dir = tempDirs('chorus-scan-');

/** LanceDbStore.scan: one unordered pass (export, collection facets) that must hold what scroll holds. */
describe('LanceDB scan', () => {
  it('yields every item once, with its payload and vectors, in batches; a filter restricts it', async () => {
    const store = await LanceDbStore.open({ dataDir: dir(), indexMaintenance: 'inline' });
    try {
      await store.createCollection({
        name: 'c',
        vectors: { v: { modality: 'text', dim: 3 } },
        payloadIndexes: { odd: 'bool' },
      });
      const items = Array.from({ length: 2500 }, (_, i) => ({
        id: `i${i}`,
        payload: { n: i, odd: i % 2 === 1 },
        vectors: { v: [i, i / 2, -i] },
      }));
      for (let i = 0; i < items.length; i += 1000)
        await store.upsert('c', items.slice(i, i + 1000));
      await store.delete('c', ['i7']);
      const all = async (opts: Parameters<LanceDbStore['scan']>[1]) => {
        const out: Item[] = [];
        for await (const batch of store.scan('c', opts)) out.push(...batch);
        return out;
      };
      const scanned = await all({ withVectors: true });
      expect(scanned.map((i) => i.id).sort()).toEqual(
        items
          .map((i) => i.id)
          .filter((id) => id !== 'i7')
          .sort(),
      );
      const i42 = scanned.find((i) => i.id === 'i42')!;
      expect(i42.payload).toEqual({ n: 42, odd: false });
      expect(Array.from(i42.vectors.v!)).toEqual([42, 21, -42]);
      const odd = await all({ filter: { must: [{ key: 'odd', match: { value: true } }] } });
      expect(odd).toHaveLength(1249);
      expect(odd.every((i) => i.payload.odd === true && Object.keys(i.vectors).length === 0)).toBe(
        true,
      );
    } finally {
      await store.close();
    }
  });

  it('rebatch cuts any batches into batches of the asked size, in order, keeping the remainder', async () => {
    async function* source() {
      yield [1, 2, 3, 4, 5];
      yield [];
      yield [6];
      yield [7, 8, 9, 10, 11, 12, 13];
    }
    const out: number[][] = [];
    for await (const b of rebatch(source(), 3)) out.push(b);
    expect(out).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13]]);
  });
});
