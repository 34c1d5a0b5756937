import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;

/** A collection's default ranking over real HTTP: a fusion preset its searches use, set, shared, copied, cleared. */
describe('collection default ranking', () => {
  let s: TestServer;
  let other: TestServer;
  const create = async (server: TestServer, name: string) => {
    const r = await server.call('POST', '/v1/collections', {
      name,
      vectors: { text: { modality: 'text', dim: DIM }, image: { modality: 'image', dim: DIM } },
    });
    expect(r.status, r.text).toBe(201);
    const items = Array.from({ length: 8 }, (_, i) => ({
      id: `i${i}`,
      payload: { title: `lamp ${i}` },
      vectors: { text: vec(DIM, i, i % 4), image: vec(DIM, i + 3, (i + 1) % 4) },
    }));
    expect((await server.call('POST', '/v1/items', { collection: name, items })).status).toBe(200);
  };
  const ranker = async (server: TestServer, collection: string, extra: Json = {}) => {
    const r = await server.call('POST', '/v1/search', {
      collection,
      text: 'lamp',
      vectors: { text: vec(DIM, 1, 1), image: vec(DIM, 2, 2) },
      limit: 3,
      ...extra,
    });
    expect(r.status, r.text).toBe(200);
    return r.json.ranker.name as string;
  };
  const url = (c: string) => `/v1/collections/${c}/ranking`;
  beforeAll(async () => {
    s = await startServer({ search: { swapShare: 0 } });
    other = await startServer({ search: { swapShare: 0 } });
    await create(s, 'shop');
    await create(s, 'books');
    await create(other, 'shop');
  });
  afterAll(async () => {
    await s?.close();
    await other?.close();
  });

  it('settings become a preset named after the collection, used by searches naming no ranker', async () => {
    expect((await s.call('GET', url('shop'))).json).toEqual({ preset: null });
    const before = await ranker(s, 'shop');
    expect(before).not.toBe('weighted');
    const put = await s.call('PUT', url('shop'), {
      fusion: 'weighted',
      weights: { text: 2, image: 1 },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toEqual({
      preset: 'shop',
      fusion: 'weighted',
      weights: { text: 2, image: 1 },
    });
    expect(await ranker(s, 'shop')).toBe('weighted');
    // A request's own ranker still wins.
    expect(await ranker(s, 'shop', { fusion: 'rrf' })).toBe('rrf');
    expect(await createClient({ url: s.url }).collections.ranking({ name: 'shop' })).toEqual(
      put.json,
    );
  });

  it('a name alone applies an existing preset; changing a shared preset is refused; unknown names are 404', async () => {
    const shared = await s.call('PUT', url('books'), { preset: 'shop' });
    expect(shared.status, shared.text).toBe(200);
    expect(shared.json).toEqual({
      preset: 'shop',
      fusion: 'weighted',
      weights: { text: 2, image: 1 },
    });
    expect(await ranker(s, 'books')).toBe('weighted');
    const conflict = await s.call('PUT', url('shop'), { preset: 'shop', fusion: 'dbsf' });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.message).toMatch(/preset shop is also the default of books/);
    expect((await s.call('GET', url('books'))).json.fusion).toBe('weighted');
    // The same settings again are no change, so they are allowed.
    const same = await s.call('PUT', url('shop'), {
      preset: 'shop',
      weights: { image: 1, text: 2 },
      fusion: 'weighted',
    });
    expect(same.status, same.text).toBe(200);
    expect((await s.call('PUT', url('books'), { preset: 'nope' })).status).toBe(404);
    expect((await s.call('PUT', url('books'), { preset: null, fusion: 'rrf' })).status).toBe(400);
    expect((await s.call('PUT', url('books'), { preset: 'bad name!' })).status).toBe(400);
    expect((await s.call('PUT', url('books'), { fusion: 'magic' })).status).toBe(400);
    expect((await s.call('GET', url('nowhere'))).status).toBe(404);
  });

  it('the settings document carries it to another deployment, where the preset is made', async () => {
    const doc = (await s.call('GET', '/v1/collections/shop/settings')).json;
    expect(doc.ranking).toEqual({
      preset: 'shop',
      fusion: 'weighted',
      weights: { text: 2, image: 1 },
    });
    expect((await other.call('GET', url('shop'))).json).toEqual({ preset: null });
    const put = await other.call('PUT', '/v1/collections/shop/settings', doc);
    expect(put.status, put.text).toBe(200);
    expect((await other.call('GET', url('shop'))).json).toEqual(doc.ranking);
    expect(await ranker(other, 'shop')).toBe('weighted');
    // A document whose ranking is refused changes no part.
    await other.call('POST', '/v1/collections', {
      name: 'books',
      vectors: { text: { modality: 'text', dim: DIM } },
    });
    expect((await other.call('PUT', url('books'), { preset: 'shop' })).status).toBe(200);
    const refused = await other.call('PUT', '/v1/collections/shop/settings', {
      synonyms: { groups: [['lamp', 'light']], rules: [] },
      ranking: { preset: 'shop', fusion: 'dbsf' },
    });
    expect(refused.status).toBe(409);
    expect((await other.call('GET', '/v1/collections/shop/synonyms')).json.groups).toEqual([]);
  });

  it('empty clears it; dropping a collection forgets which preset it used', async () => {
    const cleared = await s.call('PUT', url('shop'), {});
    expect(cleared.json).toEqual({ preset: null });
    expect(await ranker(s, 'shop')).not.toBe('weighted');
    expect(await ranker(s, 'books')).toBe('weighted'); // the preset itself is kept for the others
    expect((await s.call('DELETE', '/v1/collections/books')).status).toBe(200);
    await create(s, 'books');
    expect((await s.call('GET', url('books'))).json).toEqual({ preset: null });
  });
});
