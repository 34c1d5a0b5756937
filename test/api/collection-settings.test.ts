import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const ADMIN = 'admin-key-0123456789';
const READ = 'read-key-123';
const admin = { authorization: `Bearer ${ADMIN}` };
const reader = { authorization: `Bearer ${READ}` };

/** A collection's settings as one document over real HTTP: read, copied to another collection, replaced by part. */
describe('collection settings document', () => {
  let s: TestServer;
  const url = (c: string) => `/v1/collections/${c}/settings`;
  const tuned = {
    synonyms: { groups: [['sofa', 'couch']], rules: [{ from: ['sneakers'], to: ['shoes'] }] },
    curations: { rules: [{ query: 'couch', match: 'exact', promote: ['b3'], hide: ['b1'] }] },
    lexical: { fieldWeights: { title: 3 }, language: 'english' },
    suggestions: { exclude: ['couch potato'] },
    ranking: { preset: null },
  };
  const create = async (name: string) => {
    const r = await s.call(
      'POST',
      '/v1/collections',
      { name, vectors: { text: { modality: 'text', dim: DIM } } },
      admin,
    );
    expect(r.status, r.text).toBe(201);
    const items = Array.from({ length: 6 }, (_, i) => ({
      id: `b${i}`,
      payload: { title: i % 2 ? `sofa ${i}` : `lamp ${i}`, text: 'living room' },
      vectors: { text: vec(DIM, i, i % 4) },
    }));
    expect((await s.call('POST', '/v1/items', { collection: name, items }, admin)).status).toBe(
      200,
    );
  };
  beforeAll(async () => {
    s = await startServer({ adminKey: ADMIN, apiKeys: `${READ}:read` });
    await create('staging');
    await create('prod');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a new collection has every part, empty', async () => {
    const r = await s.call('GET', url('prod'), undefined, reader);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toEqual({
      synonyms: { groups: [], rules: [] },
      curations: { rules: [] },
      lexical: { fieldWeights: {}, language: 'english' },
      suggestions: { exclude: [] },
      ranking: { preset: null },
    });
    expect((await s.call('GET', url('nope'), undefined, reader)).status).toBe(404);
  });

  it('a document read from one collection, written to another, gives it the same settings', async () => {
    const put = await s.call('PUT', url('staging'), tuned, admin);
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ ...tuned, rebuildNeeded: true });
    expect(put.json.missing).toBeUndefined();
    const doc = (await s.call('GET', url('staging'), undefined, reader)).json;
    expect(doc).toEqual(tuned);
    // Each part is what its own endpoint reads.
    expect(
      (await s.call('GET', '/v1/collections/staging/synonyms', undefined, reader)).json,
    ).toEqual(tuned.synonyms);
    expect(
      (await s.call('GET', '/v1/collections/staging/curations', undefined, reader)).json,
    ).toEqual(tuned.curations);
    expect(
      (await s.call('GET', '/v1/collections/staging/lexical', undefined, reader)).json,
    ).toEqual({ ...tuned.lexical, indexLanguage: 'english' });

    const copied = await s.call('PUT', url('prod'), doc, admin);
    expect(copied.status, copied.text).toBe(200);
    expect((await s.call('GET', url('prod'), undefined, reader)).json).toEqual(tuned);
    // And it applies: the synonym finds sofas, the curation leads with b3 and leaves b1 out.
    const r = await s.call(
      'POST',
      '/v1/search',
      { collection: 'prod', text: 'couch', limit: 6 },
      reader,
    );
    expect(r.status, r.text).toBe(200);
    const ids = (r.json.hits as Json[]).map((h) => h.id as string);
    expect(ids[0]).toBe('b3');
    expect(ids).not.toContain('b1');
    expect(ids).toContain('b5');
  });

  it('a part left out is kept; an empty part clears it', async () => {
    const r = await s.call('PUT', url('prod'), { curations: { rules: [] } }, admin);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toEqual({
      synonyms: tuned.synonyms,
      curations: { rules: [] },
      lexical: tuned.lexical,
      suggestions: tuned.suggestions,
      ranking: tuned.ranking,
      rebuildNeeded: false,
    });
  });

  it('a refused document changes nothing, whichever part is wrong', async () => {
    const before = (await s.call('GET', url('staging'), undefined, reader)).json;
    expect(before).toEqual(tuned);
    const cases: [Json, RegExp][] = [
      [
        { curations: { rules: [] }, lexical: { fieldWeights: { price: 2 } } },
        /"price" is not a text field/,
      ],
      [{ curations: { rules: [] }, synonyms: { groups: [['the', 'a']] } }, /searchable word/],
      [{ curations: { rules: [] }, presets: {} }, /presets|unrecognized/i],
      [{ curations: { rules: [] }, ranking: { fusion: 'magic' } }, /fusion/],
      [{ lexical: { fieldWeights: { title: 11 } }, curations: { rules: [] } }, /fieldWeights/],
    ];
    for (const [body, message] of cases) {
      const r = await s.call('PUT', url('staging'), body, admin);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.message).toMatch(message);
    }
    expect((await s.call('GET', url('staging'), undefined, reader)).json).toEqual(before);
  });

  it('names curated ids the collection lacks; writing needs the admin key', async () => {
    const body = { curations: { rules: [{ query: 'lamp', promote: ['b0', 'ghost'] }] } };
    expect((await s.call('PUT', url('prod'), body, reader)).status).toBe(403);
    const r = await s.call('PUT', url('prod'), body, admin);
    expect(r.status, r.text).toBe(200);
    expect(r.json.missing).toEqual(['ghost']);
  });
});
