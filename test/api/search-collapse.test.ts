import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverWithItems, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'shop';

/** One hit per product: variants collapsed to the best-ranked one, over real HTTP. */
describe('search collapse', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serverWithItems(
      { name: C, dim: DIM },
      Array.from({ length: 24 }, (_, i) => ({
        id: `v${i}`,
        // Products of three variants each; every sixth item has no product (stands alone).
        payload: {
          title: `lamp variant ${i}`,
          ...(i % 6 === 5 ? {} : { product: `p${Math.floor(i / 3)}` }),
        },
        vectors: { text: vec(DIM, i, i % 4) },
      })),
      { search: { swapShare: 0 } },
    );
  });
  afterAll(async () => {
    await s?.close();
  });
  const search = async (more: Json) => {
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: { text: vec(DIM, 3, 3) },
      fusion: 'rrf',
      limit: 30,
      ...more,
    });
    expect(r.status, r.text).toBe(200);
    return r.json.hits as Json[];
  };

  it('keeps the best hit of each product in rank order and counts the rest', async () => {
    const all = await search({});
    const collapsed = await search({ collapse: 'product' });
    const groupOf = (h: Json) => h.payload.product as string | undefined;
    // The first of each product in the full ranking, and every hit without one, in the same order.
    const seen = new Set<string>();
    const expected = all.filter((h) => {
      const g = groupOf(h);
      if (g === undefined) return true;
      if (seen.has(g)) return false;
      seen.add(g);
      return true;
    });
    expect(collapsed.map((h) => h.id)).toEqual(expected.map((h) => h.id));
    for (const h of collapsed) {
      const g = groupOf(h);
      const siblings = g === undefined ? 0 : all.filter((x) => groupOf(x) === g).length - 1;
      expect(h.collapsed ?? 0, h.id).toBe(siblings);
    }
    expect(collapsed.some((h) => h.collapsed > 0)).toBe(true);
    // Pages cut the collapsed list.
    const page2 = await search({ collapse: 'product', limit: 3, offset: 3 });
    expect(page2.map((h) => h.id)).toEqual(collapsed.slice(3, 6).map((h) => h.id));
  });

  it('collapses recommendations the same way', async () => {
    const r = await s.call('POST', '/v1/recommend', {
      collection: C,
      itemId: 'v0',
      collapse: 'product',
      limit: 30,
    });
    expect(r.status, r.text).toBe(200);
    const groups = (r.json.hits as Json[]).map((h) => h.payload.product).filter(Boolean);
    expect(new Set(groups).size).toBe(groups.length);
  });

  it('refuses an engine key', async () => {
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: { text: vec(DIM, 3, 3) },
      collapse: '_source',
    });
    expect(r.status).toBe(400);
  });
});
