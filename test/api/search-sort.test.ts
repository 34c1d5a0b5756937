import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedImpression, startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'sorted';
const N = 40;
/** Every fifth item has no price; prices repeat so ties are common. */
const priceOf = (i: number) => (i % 5 === 4 ? undefined : (i * 7) % 13);

/** Sorting by payload fields over real HTTP: the candidates in the field's order, relevance breaking ties. */
describe('search sort', () => {
  let s: TestServer;
  beforeAll(async () => {
    // Every first page would get a swapped pair: a sorted list must not.
    s = await startServer({ search: { swapShare: 1 } });
    await s.call('POST', '/v1/collections', {
      name: C,
      vectors: { text: { modality: 'text', dim: DIM } },
    });
    const items = Array.from({ length: N }, (_, i) => ({
      id: `i${i}`,
      payload: {
        title: `item ${i} fox`,
        ...(priceOf(i) === undefined ? {} : { price: priceOf(i) }),
        brand: i % 2 ? 'acme' : 'birch',
      },
      vectors: { text: vec(DIM, i, i) },
    }));
    expect((await s.call('POST', '/v1/items', { collection: C, items })).status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  // Deep enough that every item is a candidate.
  const query = {
    collection: C,
    vectors: { text: vec(DIM, 3, 3) },
    candidates: 100,
    fusion: 'rrf',
  };
  const ids = (r: { json: Json }) => (r.json.hits as Json[]).map((h) => h.id as string);
  const price = (id: string) => priceOf(Number(id.slice(1)));
  const impression = (queryId: string) => loggedImpression(s, C, queryId);

  it('orders the candidates by the field, ties in relevance order, items without it last', async () => {
    // The ranking itself, without the swap this server gives every logged first page.
    const reference = await s.chorus.engine.search({
      collection: C,
      query: { vectors: query.vectors },
      candidates: 100,
      fusion: 'rrf',
      limit: N,
      logImpression: false,
    });
    const ranked = reference.hits.map((h) => h.id);
    expect(ranked).toHaveLength(N);
    const rankOf = new Map(ranked.map((id, r) => [id, r]));
    for (const order of ['asc', 'desc'] as const) {
      const r = await s.call('POST', '/v1/search', {
        ...query,
        limit: N,
        sort: [{ field: 'price', order }],
      });
      expect(r.status, r.text).toBe(200);
      const expected = [...ranked].sort((a, b) => {
        const pa = price(a);
        const pb = price(b);
        if (pa === undefined || pb === undefined)
          return pa === pb ? rankOf.get(a)! - rankOf.get(b)! : pa === undefined ? 1 : -1;
        return (order === 'asc' ? pa - pb : pb - pa) || rankOf.get(a)! - rankOf.get(b)!;
      });
      expect(ids(r)).toEqual(expected);
      // Every shown hit keeps its explanation, wherever the ranking had put it.
      for (const h of r.json.hits as Json[]) expect(h.explanation.used.length).toBeGreaterThan(0);
    }
  });

  it('pages continue the sorted list; a second key orders within the first', async () => {
    const body = { ...query, sort: [{ field: 'brand' }, { field: 'price', order: 'desc' }] };
    const whole = ids(await s.call('POST', '/v1/search', { ...body, limit: 12 }));
    const pages = [];
    for (const offset of [0, 4, 8])
      pages.push(...ids(await s.call('POST', '/v1/search', { ...body, limit: 4, offset })));
    expect(pages).toEqual(whole);
    expect(whole.every((id) => Number(id.slice(1)) % 2 === 1)).toBe(true); // acme sorts before birch
    const prices = whole.map(price).filter((p) => p !== undefined);
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
  });

  it('logs the shown order as sorted, at its positions, with feature rows and no swap', async () => {
    const r = await s.call('POST', '/v1/search', {
      ...query,
      limit: 5,
      sort: [{ field: 'price' }],
    });
    const e = await impression(r.json.queryId as string);
    expect(e.rankerVersion).toBe('sorted:price:asc');
    expect(e.swapped ?? []).toEqual([]);
    expect(e.items).toEqual(ids(r).map((id, position) => ({ id, position })));
    for (const id of ids(r)) expect(e.features?.[id]?.length).toBeGreaterThan(0);
    // The same query unsorted does get the intervention (the server swaps every first page).
    const plain = await s.call('POST', '/v1/search', { ...query, limit: 5 });
    expect((await impression(plain.json.queryId as string)).swapped).toHaveLength(1);
  });

  it('recommend sorts its candidates too', async () => {
    const r = await s.call('POST', '/v1/recommend', {
      collection: C,
      itemId: 'i3',
      candidates: 100,
      limit: 10,
      sort: [{ field: 'price', order: 'desc' }],
    });
    expect(r.status, r.text).toBe(200);
    const prices = ids(r).map(price);
    expect(ids(r)).not.toContain('i3');
    expect(prices.every((p) => p !== undefined)).toBe(true);
    expect(prices).toEqual([...prices].sort((a, b) => b! - a!));
  });

  it('refuses a reserved key, a bad order, too many keys and sort with diversity (400), here and in the engine', async () => {
    for (const bad of [
      { sort: [{ field: '_source' }] },
      { sort: [{ field: 'price', order: 'up' }] },
      { sort: [] },
      { sort: Array.from({ length: 5 }, (_, i) => ({ field: `f${i}` })) },
      { sort: [{ field: 'price', extra: 1 }] },
      { sort: 'price' },
      { sort: [{ field: 'price' }], diversity: 0.5 },
    ]) {
      const r = await s.call('POST', '/v1/search', { ...query, ...bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.json.error.code).toBe('VALIDATION');
    }
    await expect(
      s.chorus.engine.search({
        collection: C,
        query: { vectors: query.vectors },
        sort: [{ field: '_hash' }],
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
