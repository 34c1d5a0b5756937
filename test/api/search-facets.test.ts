import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'facets';
const N = 60;
const brandOf = (i: number) => (i % 10 === 9 ? undefined : ['acme', 'birch', 'cedar'][i % 3]!);

/** Facet counts over real HTTP: each requested payload field's values over the query's candidates. */
describe('search facets', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ search: { swapShare: 0 } });
    await s.call('POST', '/v1/collections', {
      name: C,
      vectors: { text: { modality: 'text', dim: DIM } },
      payloadIndexes: { brand: 'keyword', inStock: 'bool' },
    });
    const items = Array.from({ length: N }, (_, i) => ({
      id: `i${i}`,
      payload: {
        title: `item ${i} fox`,
        ...(brandOf(i) ? { brand: brandOf(i) } : {}),
        tags: i % 2 ? ['red', 'sale', 'red'] : ['blue'],
        inStock: i % 4 === 0,
        code: i % 2 ? '1' : 1,
        dims: { w: i },
      },
      vectors: { text: vec(DIM, i, i) },
    }));
    expect((await s.call('POST', '/v1/items', { collection: C, items })).status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  // Deep enough that every item is a candidate: the counts are then the collection's.
  const all = { collection: C, vectors: { text: vec(DIM, 3, 3) }, candidates: 100, limit: 5 };
  const count = (pred: (i: number) => boolean) =>
    Array.from({ length: N }, (_, i) => i).filter(pred).length;

  it('counts each field over the candidates, most frequent first; lists count each distinct element', async () => {
    const r = await s.call('POST', '/v1/search', {
      ...all,
      facets: ['brand', 'tags', 'inStock', 'code', 'dims', 'missing'],
    });
    expect(r.status, r.text).toBe(200);
    const brand = (b: string) => count((i) => brandOf(i) === b);
    expect(r.json.facets).toEqual({
      brand: [
        { value: 'acme', count: brand('acme') },
        { value: 'birch', count: brand('birch') },
        { value: 'cedar', count: brand('cedar') },
      ].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)),
      tags: [
        { value: 'blue', count: N / 2 },
        { value: 'red', count: N / 2 },
        { value: 'sale', count: N / 2 },
      ],
      inStock: [
        { value: false, count: count((i) => i % 4 !== 0) },
        { value: true, count: count((i) => i % 4 === 0) },
      ],
      // The string "1" and the number 1 are different values.
      code: [
        { value: 1, count: N / 2 },
        { value: '1', count: N / 2 },
      ],
      dims: [],
      missing: [],
    });
    expect(r.json.hits).toHaveLength(5);
  });

  it('counts what the filter lets through; facetSize keeps the most frequent; pages see the same counts', async () => {
    const body = {
      ...all,
      filter: { must_not: [{ key: 'brand', match: { value: 'acme' } }] },
      facets: ['brand'],
      facetSize: 1,
    };
    const first = await s.call('POST', '/v1/search', body);
    expect(first.status, first.text).toBe(200);
    const birch = count((i) => brandOf(i) === 'birch');
    const cedar = count((i) => brandOf(i) === 'cedar');
    expect(first.json.facets.brand).toEqual([
      birch >= cedar ? { value: 'birch', count: birch } : { value: 'cedar', count: cedar },
    ]);
    const second = await s.call('POST', '/v1/search', { ...body, offset: 5 });
    expect(second.json.facets).toEqual(first.json.facets);
    // Without facets the answer has none.
    expect((await s.call('POST', '/v1/search', all)).json.facets).toBeUndefined();
  });

  it('facetFilters narrow the hits; a ticked field counts as if unticked (disjunctive), the others over the hits', async () => {
    const stock = (i: number) => i % 4 === 0;
    const picked = (i: number) => ['acme', 'birch'].includes(brandOf(i) ?? '');
    const r = await s.call('POST', '/v1/search', {
      ...all,
      limit: 60,
      facets: ['brand', 'inStock', 'tags'],
      facetFilters: { brand: ['acme', 'birch'], inStock: [true] },
    });
    expect(r.status, r.text).toBe(200);
    const ids = (r.json.hits as Json[]).map((h) => Number((h.id as string).slice(1)));
    expect(ids.sort((a, b) => a - b)).toEqual(
      Array.from({ length: N }, (_, i) => i).filter((i) => picked(i) && stock(i)),
    );
    const values = (facet: Json[]) =>
      Object.fromEntries(facet.map((v) => [String(v.value), v.count]));
    // Brand over what is in stock, whatever the brand: cedar keeps its count while unticked.
    expect(values(r.json.facets.brand)).toEqual({
      acme: count((i) => stock(i) && brandOf(i) === 'acme'),
      birch: count((i) => stock(i) && brandOf(i) === 'birch'),
      cedar: count((i) => stock(i) && brandOf(i) === 'cedar'),
    });
    // In stock over the ticked brands, in stock or not.
    expect(values(r.json.facets.inStock)).toEqual({
      true: count((i) => picked(i) && stock(i)),
      false: count((i) => picked(i) && !stock(i)),
    });
    // An unticked field counts over the hits' candidates (every selection applied).
    expect(values(r.json.facets.tags)).toEqual({ blue: count((i) => picked(i) && stock(i)) });
    expect(r.json.timings.facets).toBeGreaterThan(0);
    // The same selection as a plain filter gives the same hits; a selection not asked as a facet runs no extra pass.
    const plain = await s.call('POST', '/v1/search', {
      ...all,
      limit: 60,
      filter: {
        must: [
          { key: 'brand', in: ['acme', 'birch'] },
          { key: 'inStock', match: { value: true } },
        ],
      },
      facets: ['tags'],
    });
    const ticked = await s.call('POST', '/v1/search', {
      ...all,
      limit: 60,
      facets: ['tags'],
      facetFilters: { brand: ['acme', 'birch'], inStock: [true] },
    });
    expect(ticked.json.hits.map((h: Json) => h.id)).toEqual(plain.json.hits.map((h: Json) => h.id));
    expect(ticked.json.facets).toEqual(plain.json.facets);
    expect(ticked.json.timings.facets).toBeUndefined();
    // A filter still applies to a ticked field's own counts.
    const filtered = await s.call('POST', '/v1/search', {
      ...all,
      filter: { must_not: [{ key: 'brand', match: { value: 'cedar' } }] },
      facets: ['brand'],
      facetFilters: { brand: ['acme'] },
    });
    expect(filtered.json.facets.brand.map((v: Json) => v.value).sort()).toEqual(['acme', 'birch']);
  });

  it('refuses bad facetFilters (400) and counts each extra pass as candidate work', async () => {
    for (const bad of [
      { facetFilters: { brand: [] } },
      { facetFilters: { brand: [{ a: 1 }] } },
      { facetFilters: { brand: 'acme' } },
      { facetFilters: { 'bad-key': ['x'] } },
      { facetFilters: { _hash: ['x'] } },
      { facetFilters: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, [1]])) },
    ]) {
      const r = await s.call('POST', '/v1/search', { ...all, ...bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.json.error.code).toBe('VALIDATION');
    }
    await expect(
      s.chorus.engine.search({
        collection: C,
        query: { text: 'fox' },
        facetFilters: { _source: ['x'] },
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/reserved/) });
    // 1,000 candidates x 1 list x 5 passes is past the default 4,000.
    const work = await s.call('POST', '/v1/search', {
      ...all,
      candidates: 1000,
      facets: ['brand', 'tags', 'inStock', 'code'],
      facetFilters: { brand: ['acme'], tags: ['red'], inStock: [true], code: [1] },
    });
    expect(work.status, work.text).toBe(400);
    expect(work.json.error.message).toMatch(/5 passes/);
  });

  it('a shallow query counts only its candidates', async () => {
    const r = await s.call('POST', '/v1/search', {
      ...all,
      candidates: 7,
      lexical: false,
      facets: ['tags'],
    });
    const total = (r.json.facets.tags as Json[]).reduce((n, v) => n + (v.count as number), 0);
    // Seven candidates: odd items carry two distinct tags, even ones one.
    expect(total).toBeGreaterThanOrEqual(7);
    expect(total).toBeLessThanOrEqual(14);
  });

  it('refuses the engine’s own keys, too many facets and a bad size (400), here and in the engine', async () => {
    for (const bad of [
      { facets: ['_hash'] },
      { facets: Array.from({ length: 17 }, (_, i) => `f${i}`) },
      { facets: [''] },
      { facets: ['brand'], facetSize: 0 },
      { facets: 'brand' },
    ]) {
      const r = await s.call('POST', '/v1/search', { ...all, ...bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.json.error.code).toBe('VALIDATION');
    }
    await expect(
      s.chorus.engine.search({ collection: C, query: { text: 'fox' }, facets: ['_source'] }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/_source is reserved/),
    });
    await expect(
      s.chorus.engine.search({
        collection: C,
        query: { text: 'fox' },
        facets: ['brand'],
        facetSize: 101,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
