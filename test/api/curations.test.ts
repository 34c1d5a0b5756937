import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedImpression, startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const ADMIN = 'admin-key-0123456789';
const READ = 'read-key-123';
const C = 'shop';
const N = 40;
const admin = { authorization: `Bearer ${ADMIN}` };
const reader = { authorization: `Bearer ${READ}` };
const ids = (r: { json: Json }) => (r.json.hits as Json[]).map((h) => h.id as string);

/** Curation rules over real HTTP: stored per collection (admin), applied to the next matching text query. */
describe('curations', () => {
  let s: TestServer;
  beforeAll(async () => {
    // Every logged first page gets the swap intervention: a curated page must not.
    s = await startServer({ adminKey: ADMIN, apiKeys: `${READ}:read`, search: { swapShare: 1 } });
    const created = await s.call(
      'POST',
      '/v1/collections',
      {
        name: C,
        vectors: { text: { modality: 'text', dim: DIM } },
        payloadIndexes: { category: 'keyword' },
      },
      admin,
    );
    expect(created.status).toBe(201);
    const items = Array.from({ length: N }, (_, i) => ({
      id: `i${i}`,
      // Odd items hold "sale" (BM25 finds them for "summer sale"), even ones do not.
      payload: {
        title: `item ${i} ${i % 2 ? 'summer sale' : 'fox'}`,
        category: i % 4 < 2 ? 'shoes' : 'dress',
      },
      vectors: { text: vec(DIM, i, i % 4) },
    }));
    expect((await s.call('POST', '/v1/items', { collection: C, items }, admin)).status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  const put = (rules: Json[]) => s.call('PUT', `/v1/collections/${C}/curations`, { rules }, admin);
  const search = async (text: string, more: Json = {}) => {
    const r = await s.call(
      'POST',
      '/v1/search',
      { collection: C, text, fusion: 'rrf', candidates: 100, limit: 10, ...more },
      reader,
    );
    expect(r.status, r.text).toBe(200);
    return r;
  };
  /** The ranking without rules, swap or log (the engine's own call, as the playground makes it). */
  const reference = async (text: string, more: Json = {}) =>
    (
      await s.chorus.engine.search({
        collection: C,
        query: { text },
        fusion: 'rrf',
        candidates: 100,
        limit: 40,
        curate: false,
        logImpression: false,
        ...more,
      })
    ).hits.map((h) => h.id);
  const impression = (queryId: string) => loggedImpression(s, C, queryId);

  it('stores rules (admin only, validated, 404 for an unknown collection) and reads them back with defaults', async () => {
    expect((await s.call('GET', `/v1/collections/${C}/curations`, undefined, reader)).json).toEqual(
      { rules: [] },
    );
    const refused = async (rules: Json[], message: RegExp) => {
      const r = await put(rules);
      expect(r.status, r.text).toBe(400);
      expect(r.json.error.message).toMatch(message);
    };
    await refused([{ query: 'x' }], /promotes or hides at least one/);
    await refused([{ query: 'x', promote: ['a'], hide: ['a'] }], /both promoted and hidden/);
    await refused([{ query: '--', promote: ['a'] }], /needs a letter or digit/);
    await refused([{ query: 'x', promote: ['a'], pin: 1 }], /Unrecognized key/i);
    await refused(
      [{ query: 'x', promote: Array.from({ length: 51 }, (_, i) => `p${i}`) }],
      /51|50/,
    );
    const asReader = await s.call(
      'PUT',
      `/v1/collections/${C}/curations`,
      { rules: [{ query: 'x', promote: ['a'] }] },
      reader,
    );
    expect(asReader.status).toBe(403);
    const unknown = await s.call(
      'PUT',
      '/v1/collections/nope/curations',
      { rules: [{ query: 'x', promote: ['a'] }] },
      admin,
    );
    expect(unknown.status).toBe(404);
    const ok = await put([{ query: 'summer sale', promote: ['i38', 'i5'], hide: ['i1', 'i3'] }]);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json).toEqual({
      rules: [{ query: 'summer sale', match: 'exact', promote: ['i38', 'i5'], hide: ['i1', 'i3'] }],
    });
    expect((await s.call('GET', `/v1/collections/${C}/curations`, undefined, reader)).json).toEqual(
      ok.json,
    );
  });

  it('puts promoted items first in order, leaves hidden ones out, keeps the ranking for the rest', async () => {
    const before = await reference('summer sale');
    expect(before).toContain('i1');
    expect(before).not.toContain('i38'); // "fox": no list finds it for this text
    const r = await search('Summer  SALE!');
    expect(ids(r).slice(0, 2)).toEqual(['i38', 'i5']);
    expect(r.json.curation).toEqual({
      rule: 0,
      query: 'summer sale',
      match: 'exact',
      promoted: ['i38', 'i5'],
    });
    const [pinned, found] = r.json.hits as Json[];
    // Not found by any list: shown with no sources. Found: keeps its score and its list's rank.
    expect(pinned).toMatchObject({ promoted: true, score: 0 });
    expect(pinned.explanation.ranks).toEqual({});
    expect(found.promoted).toBe(true);
    expect(found.score).toBeGreaterThan(0);
    expect(found.explanation.ranks.bm25).toBeGreaterThanOrEqual(0);
    expect(r.json.hits.slice(2).every((h: Json) => h.promoted === undefined)).toBe(true);
    const rest = before.filter((id) => !['i38', 'i5', 'i1', 'i3'].includes(id));
    expect(ids(r).slice(2)).toEqual(rest.slice(0, 8));
    // Pages continue the curated list.
    const pages: string[] = [];
    for (const offset of [0, 4, 8])
      pages.push(...ids(await search('summer sale', { limit: 4, offset })));
    expect(pages).toEqual(['i38', 'i5', ...rest].slice(0, 12));
    // A sort orders what follows the promoted items; they stay first.
    const sorted = await search('summer sale', { sort: [{ field: 'category', order: 'desc' }] });
    expect(ids(sorted).slice(0, 2)).toEqual(['i38', 'i5']);
    const categories = (sorted.json.hits as Json[])
      .slice(2)
      .map((h) => h.payload.category as string);
    expect(categories).toEqual([...categories].sort().reverse());
    // curate: false is the plain ranking.
    const plain = await search('summer sale', { curate: false, limit: 40 });
    expect(plain.json.curation).toBeUndefined();
    expect([...ids(plain)].sort()).toEqual([...before].sort());
  });

  it('logs the curated order as curated, at its positions, without the swap; rows for what the lists found', async () => {
    const r = await search('summer sale', { limit: 5 });
    const e = await impression(r.json.queryId as string);
    expect(e.rankerVersion).toBe('curated:0');
    expect(e.swapped ?? []).toEqual([]);
    expect(e.items).toEqual(ids(r).map((id, position) => ({ id, position })));
    expect(e.features?.i38).toBeUndefined();
    for (const id of ids(r).slice(1)) expect(e.features?.[id]?.length).toBeGreaterThan(0);
    // A query no rule matches is ranked, swapped and logged as before.
    const other = await search('item fox', { limit: 5 });
    expect(other.json.curation).toBeUndefined();
    const plain = await impression(other.json.queryId as string);
    expect(plain.rankerVersion).toBe('rrf');
    expect(plain.swapped).toHaveLength(1);
  });

  it("a promoted item still passes the query's filter and exclusions; a missing one is named in a note", async () => {
    const saved = await put([{ query: 'summer sale', promote: ['i38', 'gone', 'i5'] }]);
    expect(saved.status).toBe(200);
    expect(saved.json.missing).toEqual(['gone']); // stored, and named
    const shoes = { must: [{ key: 'category', match: { value: 'shoes' } }] };
    const r = await search('summer sale', { filter: shoes });
    // i38 is a dress: the filter keeps it out, as it keeps out every hit it does not select.
    expect(ids(r)[0]).toBe('i5');
    expect(r.json.curation.promoted).toEqual(['i5']);
    expect(ids(r)).not.toContain('i38');
    expect(r.json.notes.join(' ')).toMatch(/"gone" is not in the collection/);
    expect(r.json.notes.join(' ')).toMatch(/"i38" does not pass/);
    // Exclusions are tested on promoted items too; the rule matches the words, not the operators.
    const excluded = await search('summer sale -fox');
    expect(ids(excluded)[0]).toBe('i5');
    expect(ids(excluded)).not.toContain('i38');
  });

  it('contains rules match the words in a row; the first matching rule wins; queries without text are never curated', async () => {
    expect(
      (
        await put([
          { query: 'summer sale', promote: ['i2'] },
          { query: 'sale', match: 'contains', promote: ['i4'], hide: ['i7'] },
        ])
      ).status,
    ).toBe(200);
    expect(ids(await search('summer sale'))[0]).toBe('i2');
    const wider = await search('big sale now');
    expect(ids(wider)[0]).toBe('i4');
    expect(wider.json.curation).toMatchObject({ rule: 1, match: 'contains' });
    expect(ids(wider)).not.toContain('i7');
    expect((await search('wholesale')).json.curation).toBeUndefined();
    const byVector = await s.call(
      'POST',
      '/v1/search',
      { collection: C, vectors: { text: vec(DIM, 4, 0) }, limit: 40 },
      reader,
    );
    expect(byVector.json.curation).toBeUndefined();
    expect(ids(byVector)).toContain('i7');
  });

  it('a rule may place its items lower (position) and apply only within its schedule', async () => {
    const hour = 3_600_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const put1 = await put([
      // Over: skipped, the next matching rule applies.
      { query: 'summer sale', promote: ['i2'], until: iso(Date.now() - hour) },
      // Not yet.
      { query: 'summer sale', promote: ['i4'], from: iso(Date.now() + hour) },
      { query: 'summer sale', promote: ['i38', 'i6'], position: 3, from: iso(Date.now() - hour) },
    ]);
    expect(put1.status, put1.text).toBe(200);
    const organic = (await reference('summer sale')).filter((id) => id !== 'i38' && id !== 'i6');
    const r = await search('summer sale');
    expect(ids(r).slice(0, 4)).toEqual([organic[0], organic[1], 'i38', 'i6']);
    expect(r.json.curation).toEqual({
      rule: 2,
      query: 'summer sale',
      match: 'exact',
      promoted: ['i38', 'i6'],
      position: 3,
    });
    // The second page continues the same list.
    const page2 = await search('summer sale', { offset: 2, limit: 2 });
    expect(ids(page2)).toEqual(['i38', 'i6']);
    // A position past the ranked list puts the items at its end.
    await put([{ query: 'summer sale', promote: ['i38'], position: 1000 }]);
    const last = ids(await search('summer sale', { limit: 40 }));
    expect(last.at(-1)).toBe('i38');
  });

  it('an empty list removes the rules; dropping the collection drops them', async () => {
    expect((await put([])).json).toEqual({ rules: [] });
    expect((await search('summer sale')).json.curation).toBeUndefined();
    await put([{ query: 'x', promote: ['i1'] }]);
    expect((await s.call('DELETE', `/v1/collections/${C}`, undefined, admin)).status).toBe(200);
    await s.call(
      'POST',
      '/v1/collections',
      { name: C, vectors: { text: { modality: 'text', dim: DIM } } },
      admin,
    );
    expect((await s.call('GET', `/v1/collections/${C}/curations`, undefined, reader)).json).toEqual(
      { rules: [] },
    );
  });
});
