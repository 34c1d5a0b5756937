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
      payloadIndexes: { brand: 'keyword' },
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
