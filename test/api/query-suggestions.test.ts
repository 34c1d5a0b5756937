import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoggedQuerySuggestions } from '../../src/app/query-suggestions.js';
import type { LoggedSearchRow } from '../../src/storage/events-repo.js';
import { serverWithItems, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'shop';

/** Search-box suggestions over real HTTP, counted from the searches the server logged. */
describe('query suggestions', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serverWithItems(
      { name: C, dim: DIM },
      ['walnut lamp', 'walnut table', 'oak chair', 'wall clock'].map((title, i) => ({
        id: `i${i}`,
        payload: { title },
        vectors: { text: vec(DIM, i, i % 4) },
      })),
      { suggestions: { minUsers: 2, refreshSeconds: 0 } },
    );
  });
  afterAll(async () => {
    await s?.close();
  });

  const search = async (text: string, userId?: string, more: Json = {}) => {
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      text,
      userId,
      limit: 3,
      ...more,
    });
    expect(r.status, r.text).toBe(200);
    return r.json;
  };
  const suggest = async (prefix: string, query = '') => {
    await s.chorus.engine.flush();
    const r = await s.call(
      'GET',
      `/v1/collections/${C}/suggestions?prefix=${encodeURIComponent(prefix)}${query}`,
    );
    expect(r.status, r.text).toBe(200);
    return (r.json.suggestions as Json[]).map((x) => `${x.query} ${x.users}/${x.searches}`);
  };

  it('offer queries enough users searched with results; never a planted or a private one', async () => {
    for (const u of ['u1', 'u2', 'u3']) await search('Walnut lamp', u);
    await search('walnut lamp', 'u1', { offset: 3 }); // a later page: the same search
    await search('walnut table', 'u1');
    await search('walnut table', 'u1'); // one person's query, however often
    for (const u of ['u1', 'u2']) expect((await search('zebra stripes', u)).hits).toEqual([]);
    for (const u of ['u1', 'u2']) await search('"walnut table"', u); // an operator
    for (const u of ['u1', 'u2']) await search('wall clock', u);
    await search('wall clock'); // no user: counts as a search
    // Impressions a client posts are not the server's searches: they never plant a suggestion.
    for (const u of ['p1', 'p2', 'p3']) {
      const r = await s.call('POST', '/v1/feedback', {
        type: 'impression',
        eventId: `planted-${u}`,
        collection: C,
        userId: u,
        queryId: `q-${u}`,
        query: 'walnut casino',
        items: [{ id: 'i0', position: 0 }],
      });
      expect(r.status, r.text).toBe(200);
    }
    expect(await suggest('wal')).toEqual(['walnut lamp 3/3', 'wall clock 2/3']);
    expect(await suggest('WALNUT ')).toEqual(['walnut lamp 3/3']);
    expect(await suggest('wal', '&limit=1')).toEqual(['walnut lamp 3/3']);
    expect(await suggest('oak')).toEqual([]);
    expect(await suggest('zeb')).toEqual([]);
    expect(await suggest('  ')).toEqual(['walnut lamp 3/3', 'wall clock 2/3']); // a focused, empty box
  });

  it('never offer an excluded word or phrase (admin setting, applied at the next lookup)', async () => {
    const url = `/v1/collections/${C}/suggestion-settings`;
    expect((await s.call('GET', url)).json).toEqual({ exclude: [] });
    const put = await s.call('PUT', url, { exclude: ['Wall  Clock', 'wall clock'] });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toEqual({ exclude: ['Wall  Clock', 'wall clock'] });
    expect(await suggest('wal')).toEqual(['walnut lamp 3/3']);
    expect((await s.call('PUT', url, { exclude: ['!!'] })).status).toBe(400);
    expect((await s.call('PUT', url, { exclude: [] })).json).toEqual({ exclude: [] });
    expect(await suggest('wal')).toEqual(['walnut lamp 3/3', 'wall clock 2/3']);
  });

  it('forget a deleted user', async () => {
    expect(await suggest('wall')).toEqual(['wall clock 2/3']);
    expect((await s.call('DELETE', '/v1/users/u2')).status).toBe(200);
    expect(await suggest('wall')).toEqual([]);
    expect(await suggest('walnut')).toEqual(['walnut lamp 2/2']);
  });

  it('refuse a bad request', async () => {
    const get = (q: string, c = C) => s.call('GET', `/v1/collections/${c}/suggestions${q}`);
    expect((await get('')).status).toBe(400);
    expect((await get('?prefix=a&limit=0')).status).toBe(400);
    expect((await get('?prefix=a&limit=21')).status).toBe(400);
    expect((await get(`?prefix=${'a'.repeat(201)}`)).status).toBe(400);
    expect((await get('?prefix=a&other=1')).status).toBe(400);
    expect((await get('?prefix=a', 'nope')).status).toBe(404);
  });
});

describe('logged query suggestions', () => {
  it('serve the last count while a stale one is recounted in the background', async () => {
    let now = 1_000_000_000;
    let log: LoggedSearchRow[] = [];
    const impression = (seq: number, userId: string, query: string): LoggedSearchRow => ({
      seq,
      ts: now,
      userId,
      query,
      shown: 10,
      first: 0,
    });
    const suggestions = new LoggedQuerySuggestions(
      { loggedSearches: () => [...log].reverse() },
      { minUsers: 1, days: 30, refreshMs: 60_000, maxEvents: 1000, now: () => now },
    );
    log = [impression(1, 'a', 'walnut lamp')];
    expect((await suggestions.suggest(C, 'wal', 5)).map((x) => x.query)).toEqual(['walnut lamp']);
    log.push(impression(2, 'b', 'walnut table'));
    // Fresh: the count stands.
    expect(await suggestions.suggest(C, 'walnut t', 5)).toEqual([]);
    now += 60_000;
    // Stale: answered from the last count, recounted meanwhile.
    expect(await suggestions.suggest(C, 'walnut t', 5)).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect((await suggestions.suggest(C, 'walnut t', 5)).map((x) => x.query)).toEqual([
      'walnut table',
    ]);
  });
});
