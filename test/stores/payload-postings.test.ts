import { describe, expect, it, vi } from 'vitest';
import type { Filter } from '../../src/domain/filter.js';
import { geoCell } from '../../src/domain/geo.js';
import { CollectionAnn } from '../../src/stores/ann/collection-ann.js';
import { KeyMap } from '../../src/stores/ann/key-map.js';
import { PayloadPostings } from '../../src/stores/ann/payload-postings.js';
import type { Payload } from '../../src/domain/item.js';
import { compileFilter, type NumericRange } from '../../src/domain/filter-predicate.js';
import { LanceDbStore, type LanceDbStoreOptions } from '../../src/stores/lancedb-store.js';
import type { ItemInput } from '../../src/stores/vector-store.js';
import { rng, unitVector } from './builders.js';
import { tempDirs } from '../support/temp-dirs.js';

/**
 * The exact filter plan's payload postings (keyword / bool value -> keys): a selective filter reads the keys holding
 * its values instead of testing every payload, and answers exactly as the table's scan does through writes,
 * rewrites that change a value, deletes, and arrays of keywords.
 */
const DIM = 16;
const tempDir = tempDirs('chorus-postings-');

const schema = {
  name: 'c',
  vectors: { text: { modality: 'text' as const, dim: DIM } },
  payloadIndexes: {
    group: 'integer' as const,
    common: 'bool' as const,
    tag: 'keyword' as const,
    labels: 'keyword' as const,
    place: 'geo' as const,
    published: 'datetime' as const,
  },
};

function items(from: number, to: number, seed: number, variant = 0): ItemInput[] {
  const rand = rng(seed);
  return Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return {
      id: `i${i}`,
      payload: {
        group: i % 50,
        common: (i + variant) % 7 !== 0,
        tag: `t${(i + variant) % 40}`,
        // A datetime written as ISO text (typed as the table stores it), some items without one.
        ...(i % 9 === 4
          ? {}
          : {
              published: new Date(Date.UTC(2020, 0, 1 + ((i * 7 + variant) % 365))).toISOString(),
            }),
        // Points on both sides of the antimeridian and near a pole too.
        place: {
          lat: ((i * 37 + variant) % 1790) / 10 - 89,
          lon: ((i * 533 + variant * 11) % 3600) / 10 - 180,
        },
        // Some items hold a list, some one string, some nothing (never matched by a keyword filter).
        ...(i % 3 === 0
          ? { labels: [`l${i % 11}`, `l${(i * 5 + variant) % 11}`, 42] }
          : i % 3 === 1
            ? { labels: `l${(i + variant) % 11}` }
            : {}),
      },
      vectors: { text: unitVector(DIM, rand) },
    };
  });
}

async function open(dir: string, extra: Partial<LanceDbStoreOptions>): Promise<LanceDbStore> {
  return LanceDbStore.open({
    dataDir: dir,
    indexMaintenance: 'inline',
    annSaveIdleMs: 60_000,
    ...extra,
  });
}

describe('payload postings for the exact filter plan', () => {
  it('lists the keyword and bool values, geo cells and ranges every match must hold', () => {
    const compile = (f: Filter) => compileFilter(f, schema.payloadIndexes).required;
    expect(
      compile({
        must: [
          { key: 'tag', in: ['a', 'b', 'a'] },
          { key: 'group', range: { gte: 3 } },
          {
            must: [{ key: 'common', match: { value: false } }],
            should: [{ key: 'labels', match: { value: 'x' } }],
          },
        ],
        should: [{ key: 'labels', match: { value: 'y' } }],
        must_not: [{ key: 'tag', match: { value: 'c' } }],
      }),
    ).toEqual([
      { key: 'tag', kind: 'keyword', values: ['a', 'b'] },
      { key: 'group', kind: 'range', type: 'integer', range: { gte: 3 } },
      { key: 'common', kind: 'bool', values: ['false'] },
    ]);
    expect(compile({ should: [{ key: 'tag', match: { value: 'a' } }] })).toEqual([]);
    // A point's grid cells: the box across the antimeridian covers both of its edges' cells.
    const box = compile({
      must: [
        {
          key: 'place',
          geo_bounding_box: {
            top_left: { lat: 1.5, lon: 179.5 },
            bottom_right: { lat: 0.5, lon: -179.5 },
          },
        },
      ],
    });
    expect(box).toEqual([
      {
        key: 'place',
        kind: 'geo',
        values: ['0,179', '0,180', '0,-180', '1,179', '1,180', '1,-180'],
      },
    ]);
    // Too many cells to read: no requirement (the graph plan serves broad filters).
    expect(
      compile({
        must: [{ key: 'place', geo_radius: { center: { lat: 0, lon: 0 }, radius: 5_000_000 } }],
      }),
    ).toEqual([]);
  });

  it('files every point a geo filter accepts under one of the cells it reads (random regions, poles, antimeridian)', () => {
    const rand = rng(5);
    const between = (lo: number, hi: number) => lo + (hi - lo) * rand();
    let accepted = 0;
    for (let trial = 0; trial < 300; trial++) {
      const lat = between(-90, 90);
      const lon = between(-180, 180);
      const filter: Filter =
        trial % 2
          ? {
              must: [
                {
                  key: 'place',
                  geo_radius: { center: { lat, lon }, radius: between(1_000, 600_000) },
                },
              ],
            }
          : {
              must: [
                {
                  key: 'place',
                  geo_bounding_box: {
                    top_left: { lat: Math.min(90, lat + between(0, 8)), lon },
                    bottom_right: { lat, lon: ((lon + between(0, 12) + 180) % 360) - 180 },
                  },
                },
              ],
            };
      const test = compileFilter(filter, schema.payloadIndexes);
      const [term] = test.required;
      const cells = new Set(term && 'values' in term ? term.values : []);
      expect(cells.size).toBeGreaterThan(0);
      for (let i = 0; i < 400; i++) {
        // Points around the region's corner and edges, where a cell boundary would be missed.
        const place = {
          lat: Math.max(-90, Math.min(90, lat + between(-9, 9))),
          lon: Math.max(-180, Math.min(180, lon + between(-13, 13))),
        };
        if (!test({ place })) continue;
        accepted++;
        expect(cells.has(geoCell(place)), JSON.stringify({ filter, place })).toBe(true);
      }
    }
    expect(accepted).toBeGreaterThan(1_000);
  });

  it('answers as the table scan does through writes, rewrites, deletes and keyword lists, without testing every payload', async () => {
    const dir = tempDir();
    const always = { exactMaxCount: Infinity, exactMaxShare: 1 };
    const memory = await open(dir, { filterPlan: always });
    await memory.createCollection(schema);
    await memory.upsert('c', items(0, 700, 1));
    await memory.flushIndex('c');
    // No payload cache: the exact plan cannot run in memory, the table scan answers.
    const table = await open(dir, { filterPlan: always, payloadCacheSize: 0 });
    const scan = vi.spyOn(
      CollectionAnn.prototype as unknown as { matchingScan: () => unknown },
      'matchingScan',
    );
    const q = unitVector(DIM, rng(9));
    const indexed: Filter[] = [
      { must: [{ key: 'tag', match: { value: 't3' } }] },
      {
        must: [
          { key: 'tag', in: ['t1', 't2', 't39'] },
          { key: 'group', range: { lt: 25 } },
        ],
      },
      { must: [{ key: 'labels', in: ['l4', 'l7'] }] },
      {
        must: [
          { key: 'common', match: { value: false } },
          { key: 'labels', match: { value: 'l0' } },
        ],
      },
      {
        must: [{ must: [{ key: 'tag', in: ['t5', 't6'] }] }],
        must_not: [{ key: 'labels', match: { value: 'l5' } }],
      },
      { must: [{ key: 'tag', match: { value: 'nowhere' } }] },
      { must: [{ key: 'group', range: { gte: 10, lt: 13 } }] },
      {
        must: [
          { key: 'group', range: { gt: 47 } },
          { key: 'common', match: { value: true } },
        ],
      },
      {
        must: [
          { key: 'published', range: { gte: Date.UTC(2020, 5, 1), lte: Date.UTC(2020, 5, 20) } },
        ],
      },
      { must: [{ key: 'place', geo_radius: { center: { lat: 10, lon: 20 }, radius: 1_200_000 } }] },
      { must: [{ key: 'place', geo_radius: { center: { lat: 88, lon: 0 }, radius: 400_000 } }] },
      {
        must: [
          {
            key: 'place',
            geo_bounding_box: {
              top_left: { lat: 30, lon: 160 },
              bottom_right: { lat: -30, lon: -150 },
            },
          },
          { key: 'common', match: { value: true } },
        ],
      },
    ];
    const gone = new Set<string>();
    const agree = async (tableStore: LanceDbStore, filters: Filter[]) => {
      for (const filter of filters) {
        const a = await memory.search('c', 'text', q, 300, { filter });
        const b = await tableStore.search('c', 'text', q, 300, { filter });
        expect(a.map((h) => h.id)).toEqual(b.map((h) => h.id));
        a.forEach((h, i) => expect(h.score).toBeCloseTo(b[i]!.score, 5));
        expect(a.map((h) => h.payload)).toEqual(b.map((h) => h.payload));
        expect(a.filter((h) => gone.has(h.id))).toEqual([]);
        const none = JSON.stringify(filter).includes('nowhere');
        expect(a.length > 0).toBe(!none);
      }
    };
    await agree(table, indexed);
    expect(scan).not.toHaveBeenCalled();

    // Rewrites move items between values (old keys die), new items arrive pending, some items go.
    await memory.upsert('c', items(100, 300, 2, 1));
    await memory.upsert('c', items(700, 900, 3));
    await memory.delete('c', ['i3', 'i43', 'i800']);
    for (const id of ['i3', 'i43', 'i800']) gone.add(id);
    await table.close();
    // A fresh table-scan store reads the table as it is now.
    const after = await open(dir, { filterPlan: always, payloadCacheSize: 0 });
    await agree(after, indexed);
    expect(scan).not.toHaveBeenCalled();

    // A filter requiring nothing an index holds (should / must_not only) still tests every payload.
    await agree(after, [{ must_not: [{ key: 'group', range: { gte: 2 } }] }]);
    expect(scan).toHaveBeenCalledTimes(1);
    scan.mockRestore();
    await memory.close();
    await after.close();
  });

  it('past exactInMemoryMax a filter the postings answer stays in memory; one needing every payload tested goes to the table', async () => {
    const dir = tempDir();
    const store = await open(dir, {
      filterPlan: { exactMaxCount: Infinity, exactMaxShare: 1, exactInMemoryMax: 100 },
    });
    await store.createCollection(schema);
    await store.upsert('c', items(0, 400, 4));
    await store.flushIndex('c');
    const tableScans = vi.spyOn(store as unknown as { exactSearch: () => unknown }, 'exactSearch');
    const q = unitVector(DIM, rng(10));
    const byTag = await store.search('c', 'text', q, 50, {
      filter: { must: [{ key: 'tag', in: ['t1', 't2'] }] },
    });
    expect(byTag.map((h) => h.payload.tag).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => (i < 10 ? 't1' : 't2')),
    );
    expect(tableScans).not.toHaveBeenCalled();
    const byRange = await store.search('c', 'text', q, 50, {
      filter: { must: [{ key: 'group', range: { lt: 2 } }] },
    });
    expect(byRange).toHaveLength(16);
    expect(tableScans).not.toHaveBeenCalled();
    const unindexed = await store.search('c', 'text', q, 50, {
      filter: { must_not: [{ key: 'group', range: { gte: 2 } }] },
    });
    expect(unindexed).toHaveLength(16);
    expect(tableScans).toHaveBeenCalledTimes(1);
    await store.close();
  });

  it('a range index reads exactly the live keys in range: sorted part, tail of new keys, deaths, every bound', () => {
    const keys = new KeyMap();
    const payloads: Payload[] = [];
    const rand = rng(77);
    const write = (n: number) => {
      for (let i = 0; i < n; i++) {
        const id = `p${Math.floor(rand() * 4_000)}`; // some ids written twice: their first key dies
        const { key } = keys.assign(id);
        payloads[key] =
          rand() < 0.05 ? { price: 'n/a' } : { price: Math.round(rand() * 1_000) / 10 };
      }
    };
    const postings = new PayloadPostings();
    const ask = (range: NumericRange) => {
      const term = { key: 'price', kind: 'range', type: 'float', range } as const;
      expect(postings.start(term)).toBe(true);
      expect(postings.extend(term, keys, (k) => payloads[k])).toBe(true);
      const want: number[] = [];
      for (let k = 0; k < keys.capacity; k++) {
        const v = payloads[k]?.price;
        if (!keys.isLive(k) || typeof v !== 'number') continue;
        if (range.gt !== undefined && !(v > range.gt)) continue;
        if (range.gte !== undefined && !(v >= range.gte)) continue;
        if (range.lt !== undefined && !(v < range.lt)) continue;
        if (range.lte !== undefined && !(v <= range.lte)) continue;
        want.push(k);
      }
      expect(postings.candidates(term, keys)).toEqual(want);
    };
    const ranges: NumericRange[] = [
      { gte: 10, lt: 12.5 },
      { gt: 10, lte: 12.5 },
      { gte: 99.9 },
      { lt: 0.1 },
      { gt: 50, lt: 40 },
      { gte: 33.3, lte: 33.3 },
    ];
    write(3_000); // sorted at the first read
    for (const r of ranges) ask(r);
    write(500); // a tail read whole
    keys.remove('p17');
    for (const r of ranges) ask(r);
    write(2_000); // past a quarter of the sorted part: sorted together again
    for (const r of ranges) ask(r);
  });
});
