import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverWithItems, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'shop';

/** Catalogue upkeep over real HTTP: payload fields changed in place, many items deleted by ids or by a filter. */
describe('item upkeep', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serverWithItems(
      { name: C, dim: DIM, payloadIndexes: { category: 'keyword' } },
      Array.from({ length: 30 }, (_, i) => ({
        id: `i${i}`,
        payload: { title: `item ${i} oak`, category: i % 2 ? 'odd' : 'even', stock: 3 },
        vectors: { text: vec(DIM, i, i % 4) },
      })),
    );
  });
  afterAll(async () => {
    await s?.close();
  });
  const textSearch = async (text: string) => {
    const r = await s.call('POST', '/v1/search', { collection: C, text, limit: 30 });
    expect(r.status, r.text).toBe(200);
    return (r.json.hits as Json[]).map((h) => h.id as string);
  };

  it('PATCH sets and unsets payload fields, keeps the vectors, and BM25 follows', async () => {
    const before = (await s.call('GET', `/v1/items/i1?collection=${C}&withVectors=true`)).json.item;
    expect(await textSearch('walnut')).toEqual([]);
    const r = await s.call('PATCH', '/v1/items/i1', {
      collection: C,
      set: { title: 'walnut lamp', price: 12.5 },
      unset: ['stock'],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.item).toEqual({
      id: 'i1',
      payload: { title: 'walnut lamp', category: 'odd', price: 12.5 },
      vectorNames: ['text'],
    });
    const after = (await s.call('GET', `/v1/items/i1?collection=${C}&withVectors=true`)).json.item;
    expect(after.vectors).toEqual(before.vectors);
    expect(await textSearch('walnut')).toEqual(['i1']);
    expect(await textSearch('item 1 oak')).not.toContain('i1'); // the old title is gone from BM25
  });

  it('PATCH refuses what it cannot do', async () => {
    const patch = (id: string, body: Json) => s.call('PATCH', `/v1/items/${id}`, body);
    expect((await patch('ghost', { collection: C, set: { a: 1 } })).status).toBe(404);
    expect((await patch('i1', { collection: 'nope', set: { a: 1 } })).status).toBe(404);
    expect((await patch('i1', { collection: C })).status).toBe(400);
    const both = await patch('i1', { collection: C, set: { a: 1 }, unset: ['a'] });
    expect(both.status).toBe(400);
    expect(both.json.error.message).toMatch(/"a" is both set and unset/);
    expect((await patch('i1', { collection: C, set: { _source: 'x' } })).status).toBe(400);
  });

  it('deletes many items by ids, then every item a filter selects, from the store and BM25', async () => {
    const byIds = await s.call('POST', '/v1/items/delete', {
      collection: C,
      ids: ['i2', 'i3', 'i3', 'ghost'],
    });
    expect(byIds.status, byIds.text).toBe(200);
    expect(byIds.json).toEqual({ deleted: 2 });
    const byFilter = await s.call('POST', '/v1/items/delete', {
      collection: C,
      filter: { must: [{ key: 'category', match: { value: 'even' } }] },
    });
    expect(byFilter.status, byFilter.text).toBe(200);
    expect(byFilter.json).toEqual({ deleted: 14, matched: 14 }); // 15 even, i2 already gone
    const left = (await s.call('GET', `/v1/collections/${C}`)).json.collection;
    expect(left).toMatchObject({ count: 14, lexicalCount: 14 });
    const found = await textSearch('oak');
    expect(found).toHaveLength(13); // the odd ones but i3 and i1 (retitled)
    expect(found.every((id) => Number(id.slice(1)) % 2 === 1)).toBe(true);
    for (const body of [
      { collection: C },
      { collection: C, ids: ['i5'], filter: { must: [] } },
      { collection: C, ids: [] },
    ])
      expect((await s.call('POST', '/v1/items/delete', body)).status).toBe(400);
  });
});
