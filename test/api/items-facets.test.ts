import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { collectionFacets } from '../../src/engine/collection-facets.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { serverWithItems, vec, type Json, type TestServer } from './harness.js';

const DIM = 4;
const C = 'catalogue';
const BRANDS = ['acme', 'bolt', 'crest', 'dune'];
const ITEMS = Array.from({ length: 1203 }, (_, i) => ({
  id: `p-${String(i).padStart(4, '0')}`,
  payload: {
    brand: BRANDS[(i * i) % BRANDS.length]!,
    tags: i % 3 === 0 ? ['sale', 'new', 'sale'] : ['new'],
    inStock: i % 5 !== 0,
    ...(i % 7 === 0 ? {} : { size: i % 2 }),
  },
  vectors: { text: vec(DIM, i, i) },
}));

/** Brute-force counts of one field over some items, as a facet answers them (most frequent first, ties by text). */
function expected(items: typeof ITEMS, field: 'brand' | 'tags' | 'inStock' | 'size') {
  const counts = new Map<string, { value: string | number | boolean; count: number }>();
  for (const it of items) {
    const raw = it.payload[field as keyof (typeof it)['payload']];
    for (const v of Array.isArray(raw) ? new Set(raw) : [raw]) {
      if (v === undefined) continue;
      const key = `${typeof v}:${String(v)}`;
      counts.set(key, { value: v, count: (counts.get(key)?.count ?? 0) + 1 });
    }
  }
  return [...counts]
    .sort(([ka, a], [kb, b]) => b.count - a.count || (ka < kb ? -1 : 1))
    .map(([, v]) => v);
}

/** POST /v1/items/facets: counts over the whole collection (past one store page), not over a search's candidates. */
describe('collection facets', () => {
  let s: TestServer;
  beforeAll(async () => {
    // More than one store page to count.
    s = await serverWithItems(
      { name: C, dim: DIM, payloadIndexes: { brand: 'keyword', inStock: 'bool' } },
      ITEMS,
    );
  });
  afterAll(async () => {
    await s?.close();
  });

  it('counts every item, lists once per item, values by type, most frequent first', async () => {
    const client = createClient({ url: s.url });
    const r = await client.items.facets({
      collection: C,
      facets: ['brand', 'tags', 'inStock', 'size'],
    });
    expect(r.scanned).toBe(ITEMS.length);
    for (const f of ['brand', 'tags', 'inStock', 'size'] as const)
      expect(r.facets[f], f).toEqual(expected(ITEMS, f));
  });

  it('counts only what a filter selects, and keeps facetSize values per field', async () => {
    const r = await s.call('POST', '/v1/items/facets', {
      collection: C,
      facets: ['brand'],
      facetSize: 2,
      filter: { must: [{ key: 'inStock', match: { value: false } }] },
    });
    expect(r.status, r.text).toBe(200);
    const inFilter = ITEMS.filter((i) => !i.payload.inStock);
    expect(r.json.scanned).toBe(inFilter.length);
    expect(r.json.facets.brand).toEqual(expected(inFilter, 'brand').slice(0, 2));
  });

  it('facetFilters: matched passes every selection; a selected field counts over the other selections', async () => {
    const r = await s.call('POST', '/v1/items/facets', {
      collection: C,
      facets: ['brand', 'inStock', 'tags'],
      filter: { must_not: [{ key: 'brand', match: { value: 'dune' } }] },
      facetFilters: { brand: ['acme', 'bolt'], inStock: [true], tags: ['sale'] },
    });
    expect(r.status, r.text).toBe(200);
    const kept = ITEMS.filter((i) => i.payload.brand !== 'dune');
    const brand = (i: (typeof ITEMS)[number]) => ['acme', 'bolt'].includes(i.payload.brand);
    const sale = (i: (typeof ITEMS)[number]) => i.payload.tags.includes('sale');
    expect(r.json.scanned).toBe(kept.length);
    expect(r.json.matched).toBe(
      kept.filter((i) => brand(i) && i.payload.inStock && sale(i)).length,
    );
    expect(r.json.facets).toEqual({
      brand: expected(
        kept.filter((i) => i.payload.inStock && sale(i)),
        'brand',
      ),
      inStock: expected(
        kept.filter((i) => brand(i) && sale(i)),
        'inStock',
      ),
      tags: expected(
        kept.filter((i) => brand(i) && i.payload.inStock),
        'tags',
      ),
    });
    // A selection on a field not counted only narrows the counts.
    const narrowed = await s.call('POST', '/v1/items/facets', {
      collection: C,
      facets: ['tags'],
      facetFilters: { brand: ['dune'] },
    });
    const dune = ITEMS.filter((i) => i.payload.brand === 'dune');
    expect(narrowed.json.facets.tags).toEqual(expected(dune, 'tags'));
    expect(narrowed.json.matched).toBe(dune.length);
    expect(
      (
        await s.call('POST', '/v1/items/facets', {
          collection: C,
          facets: ['brand'],
          facetFilters: { brand: [] },
        })
      ).status,
    ).toBe(400);
  });

  it('refuses reserved keys, bad sizes and unknown collections', async () => {
    const bad = (body: Json) =>
      s.call('POST', '/v1/items/facets', { collection: C, facets: ['brand'], ...body });
    expect((await bad({ facets: ['_source'] })).status).toBe(400);
    expect((await bad({ facets: [] })).status).toBe(400);
    expect((await bad({ facetSize: 0 })).status).toBe(400);
    expect((await bad({ collection: 'nope' })).status).toBe(404);
  });
});

describe('collectionFacets paging', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('gives the same counts in one pass (scan) and through scroll at any page size', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-facets-'));
    dirs.push(dir);
    const store = await LanceDbStore.open({ dataDir: dir, indexMaintenance: 'inline' });
    try {
      await store.createCollection({ name: C, vectors: { text: { modality: 'text', dim: DIM } } });
      await store.upsert(C, ITEMS.slice(0, 50));
      const whole = await collectionFacets(store, C, ['brand', 'tags']);
      for (const pageSize of [1, 7, 49, 50])
        expect(await collectionFacets(store, C, ['brand', 'tags'], { pageSize })).toEqual(whole);
      expect(whole.facets.brand).toEqual(expected(ITEMS.slice(0, 50), 'brand'));
      const aborted = new AbortController();
      aborted.abort(new Error('gone'));
      await expect(
        collectionFacets(store, C, ['brand'], { signal: aborted.signal }),
      ).rejects.toThrow('gone');
    } finally {
      await store.close();
    }
  });
});
