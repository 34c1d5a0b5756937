import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const ADMIN = 'admin-key-0123456789';
const READ = 'read-key-123';
const C = 'shop';
const admin = { authorization: `Bearer ${ADMIN}` };
const reader = { authorization: `Bearer ${READ}` };

/** Synonyms over real HTTP: stored per collection (admin), applied to the next text query's BM25 list. */
describe('synonyms', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ adminKey: ADMIN, apiKeys: `${READ}:read`, search: { swapShare: 0 } });
    const created = await s.call(
      'POST',
      '/v1/collections',
      { name: C, vectors: { text: { modality: 'text', dim: DIM } } },
      admin,
    );
    expect(created.status).toBe(201);
    const items = [
      { id: 'shirt', payload: { title: 'Cotton T-shirt' } },
      { id: 'sofa', payload: { title: 'Leather sofa' } },
      { id: 'lamp', payload: { title: 'Walnut lamp' } },
    ].map((item, i) => ({ ...item, vectors: { text: vec(DIM, i, i) } }));
    expect((await s.call('POST', '/v1/items', { collection: C, items }, admin)).status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  const search = async (text: string, more: Json = {}) => {
    const r = await s.call(
      'POST',
      '/v1/search',
      { collection: C, text, lexical: true, fusion: 'rrf', ...more },
      reader,
    );
    expect(r.status, r.text).toBe(200);
    return r.json;
  };
  const lexicalIds = (r: Json) =>
    (r.hits as Json[]).filter((h) => 'bm25' in h.explanation.ranks).map((h) => h.id as string);

  it('a stored group makes a query for one word find the others, with a note and highlights', async () => {
    expect(lexicalIds(await search('tee'))).toEqual([]);
    const put = await s.call(
      'PUT',
      `/v1/collections/${C}/synonyms`,
      {
        groups: [
          ['tee', 'T-shirt', ' t-shirt '],
          ['couch', 'sofa'],
        ],
      },
      admin,
    );
    expect(put.status, put.text).toBe(200);
    expect(put.json).toEqual({
      groups: [
        ['tee', 'T-shirt'],
        ['couch', 'sofa'],
      ],
      rules: [],
    });
    const got = await s.call('GET', `/v1/collections/${C}/synonyms`, undefined, reader);
    expect(got.json).toEqual(put.json);

    const r = await search('tee', { highlight: true });
    expect(lexicalIds(r)).toEqual(['shirt']);
    expect(r.notes).toContain('synonyms added "T-shirt"');
    const shirt = (r.hits as Json[]).find((h) => h.id === 'shirt');
    expect(shirt.highlights.title).toEqual([
      [7, 8],
      [9, 14],
    ]);
    expect(lexicalIds(await search('comfy couch'))).toEqual(['sofa']);
    // A one-way rule: "lighting" also searches "lamp", a query for "lamp" does not search "lighting".
    const withRule = await s.call(
      'PUT',
      `/v1/collections/${C}/synonyms`,
      { ...put.json, rules: [{ from: ['lighting'], to: ['lamp'] }] },
      admin,
    );
    expect(withRule.status, withRule.text).toBe(200);
    expect(lexicalIds(await search('lighting'))).toEqual(['lamp']);
    expect((await search('lamp')).notes).not.toContainEqual(expect.stringMatching(/synonyms/));
    // Vector-only queries and queries without a synonym are untouched.
    expect((await search('walnut lamp')).notes).not.toContainEqual(
      expect.stringMatching(/synonyms/),
    );
  });

  it('refuses bad groups (400) and keeps what was stored; only an admin key writes; 404 for an unknown collection', async () => {
    const before = (await s.call('GET', `/v1/collections/${C}/synonyms`, undefined, reader)).json;
    for (const bad of [
      { groups: [['tee']] },
      { groups: [['tee', 'TEE']] },
      { groups: [['tee', 'the']] },
      { groups: [['tee', 'x'.repeat(101)]] },
      { groups: 'tee,t-shirt' },
      { groups: [], extra: true },
      { rules: [{ from: ['lighting'], to: [] }] },
      { rules: [{ from: ['lighting'], to: ['of the'] }] },
    ]) {
      const r = await s.call('PUT', `/v1/collections/${C}/synonyms`, bad, admin);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.json.error.code).toBe('VALIDATION');
    }
    expect((await s.call('GET', `/v1/collections/${C}/synonyms`, undefined, reader)).json).toEqual(
      before,
    );
    const asReader = await s.call('PUT', `/v1/collections/${C}/synonyms`, { groups: [] }, reader);
    expect(asReader.status).toBe(403);
    const missing = await s.call('GET', '/v1/collections/nope/synonyms', undefined, reader);
    expect(missing.status).toBe(404);
    const missingPut = await s.call('PUT', '/v1/collections/nope/synonyms', { groups: [] }, admin);
    expect(missingPut.status).toBe(404);
  });

  it('an empty list removes them; dropping the collection removes them too', async () => {
    await s.call('PUT', `/v1/collections/${C}/synonyms`, { groups: [['tee', 't-shirt']] }, admin);
    const cleared = await s.call('PUT', `/v1/collections/${C}/synonyms`, { groups: [] }, admin);
    expect(cleared.json).toEqual({ groups: [], rules: [] });
    expect(lexicalIds(await search('tee'))).toEqual([]);
    await s.call('PUT', `/v1/collections/${C}/synonyms`, { groups: [['tee', 't-shirt']] }, admin);
    expect((await s.call('DELETE', `/v1/collections/${C}`, undefined, admin)).status).toBe(200);
    await s.call(
      'POST',
      '/v1/collections',
      { name: C, vectors: { text: { modality: 'text', dim: DIM } } },
      admin,
    );
    expect((await s.call('GET', `/v1/collections/${C}/synonyms`, undefined, reader)).json).toEqual({
      groups: [],
      rules: [],
    });
  });
});
