import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrOverTime } from '../../src/admin/analytics.js';
import { queryAnalytics } from '../../src/feedback/query-analytics.js';
import { buildClickthroughs } from '../../src/feedback/training-set.js';
import { loggedImpression, serverWithItems, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'shop';

/** Every text search is logged with what was typed, an empty one too: the tuner's "what fails" list. */
describe('search analytics', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serverWithItems(
      { name: C, dim: DIM },
      Array.from({ length: 30 }, (_, i) => ({
        id: `i${i}`,
        payload: { title: `${i % 2 ? 'red' : 'blue'} dress ${i}` },
        vectors: { text: vec(DIM, i, i % 4) },
      })),
      { search: { swapShare: 0 } },
    );
  });
  afterAll(async () => {
    await s?.close();
  });

  const search = async (text: string, more: Json = {}) => {
    const r = await s.call('POST', '/v1/search', { collection: C, text, limit: 5, ...more });
    expect(r.status, r.text).toBe(200);
    return r.json;
  };

  it('logs the text with the impression, an empty first page too, and counts queries by their words', async () => {
    const red = [await search('Red dress'), await search('red  DRESS!'), await search('red dress')];
    await search('red dress', { offset: 5 }); // a later page: the same search, not another
    const none = await search('zzqxv');
    expect(none.hits).toEqual([]);
    await search('zzqxv', { offset: 5 }); // an empty later page is not logged
    await search('blue');
    // Words no item holds, answered by the vectors alone: a search with results and no keyword match.
    const vectorsOnly = await search('qqwwee', { vectors: { text: vec(DIM, 1, 1) } });
    expect(vectorsOnly.hits.length).toBeGreaterThan(0);
    expect((await loggedImpression(s, C, vectorsOnly.queryId as string)).noLexicalMatch).toBe(true);
    // The admin playground's searches are never logged.
    await s.chorus.engine.search({ collection: C, query: { text: 'zzqxv' }, logImpression: false });
    const e = await loggedImpression(s, C, red[1].queryId as string);
    expect(e.query).toBe('red  DRESS!');
    const empty = await loggedImpression(s, C, none.queryId as string);
    expect(empty).toMatchObject({ items: [], query: 'zzqxv' });
    expect(empty.features).toBeUndefined();
    const click = await s.call('POST', '/v1/feedback', {
      type: 'click',
      eventId: 'c1',
      collection: C,
      queryId: red[0].queryId,
      itemId: red[0].hits[0].id,
    });
    expect(click.status, click.text).toBe(200);
    // A click saying its position (the fourth result), and a purchase after the second search.
    for (const event of [
      {
        type: 'click',
        eventId: 'c2',
        queryId: red[2].queryId,
        itemId: red[2].hits[3].id,
        position: 3,
      },
      { type: 'purchase', eventId: 'p1', queryId: red[1].queryId, itemId: red[1].hits[1].id },
    ]) {
      const r = await s.call('POST', '/v1/feedback', { collection: C, ...event });
      expect(r.status, r.text).toBe(200);
    }
    await s.chorus.engine.flush();

    const report = queryAnalytics(s.chorus.db.events, C);
    expect(report.searches).toBe(6);
    expect(report.noResultRate).toBeCloseTo(1 / 6);
    const stat = (query: string, searches: number, o: Partial<Json> = {}) => ({
      query,
      searches,
      noResults: 0,
      noTextMatch: 0,
      clicked: 0,
      ctr: 0,
      clickPosition: null,
      converted: 0,
      conversionRate: 0,
      ...o,
    });
    const red3 = stat('red dress', 3, {
      clicked: 2,
      ctr: 2 / 3,
      clickPosition: (1 + 4) / 2,
      converted: 1,
      conversionRate: 1 / 3,
    });
    expect(report.top).toEqual([
      red3,
      stat('blue', 1),
      stat('qqwwee', 1, { noTextMatch: 1 }),
      stat('zzqxv', 1, { noResults: 1 }),
    ]);
    expect(report.noResults.map((q) => q.query)).toEqual(['zzqxv']);
    expect(report.noTextMatch.map((q) => q.query)).toEqual(['qqwwee']);
    // Lowest click-through: only queries with enough searches with results (default 5: none here).
    expect(report.lowCtr).toEqual([]);
    expect(
      queryAnalytics(s.chorus.db.events, C, { minSearches: 1 }).lowCtr.map((q) => q.query),
    ).toEqual(['blue', 'qqwwee', 'red dress']);
    // The same report over HTTP (admin key) for dashboards and the CLI.
    const viaApi = await s.call('GET', `/v1/collections/${C}/analytics/queries?days=30&size=2`);
    expect(viaApi.status, viaApi.text).toBe(200);
    expect(viaApi.json).toEqual({ ...report, top: report.top.slice(0, 2) });
    const low = await s.call('GET', `/v1/collections/${C}/analytics/queries?minSearches=3`);
    expect(low.json.lowCtr).toEqual([red3]);
    for (const q of ['?days=0', '?size=101', '?other=1', '?minSearches=0'])
      expect((await s.call('GET', `/v1/collections/${C}/analytics/queries${q}`)).status).toBe(400);
    expect((await s.call('GET', '/v1/collections/nope/analytics/queries')).status).toBe(404);
    // Outside the window: nothing.
    expect(
      queryAnalytics(s.chorus.db.events, C, { days: 1, now: Date.now() + 3 * 86_400_000 }).searches,
    ).toBe(0);
    // The click-through chart counts served lists only; training never sees the empty one.
    expect(ctrOverTime(s.chorus.db, C).impressions.reduce((a, b) => a + b, 0)).toBe(6);
    const events = [...s.chorus.db.events.iterate({ collection: C })].map((x) => x.event);
    const cts = buildClickthroughs(events, { dropUnclicked: false });
    expect(cts.map((c) => c.queryId)).not.toContain(none.queryId);
    expect(cts.map((c) => c.queryId)).toContain(red[0].queryId);
  });
});
