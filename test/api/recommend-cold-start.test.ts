import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedImpression, serverWithItems, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'cold';
const ids = (r: { json: Json }) => (r.json.hits as Json[]).map((h) => h.id as string);

/** A user nobody knows yet gets the collection's most engaged items, through the same path and log as any list. */
describe('recommend cold start', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serverWithItems(
      { name: C, dim: DIM, payloadIndexes: { category: 'keyword' } },
      Array.from({ length: 30 }, (_, i) => ({
        id: `i${i}`,
        payload: { title: `item ${i}`, category: i % 2 ? 'odd' : 'even' },
        vectors: { text: vec(DIM, i, i % 4) },
      })),
      { search: { swapShare: 0 } },
    );
  });
  afterAll(async () => {
    await s?.close();
  });

  const recommend = async (body: Json) => {
    const r = await s.call('POST', '/v1/recommend', { collection: C, ...body });
    expect(r.status, r.text).toBe(200);
    return r;
  };

  it('says there is nothing to fall back on before any engagement', async () => {
    // Another collection: the popular list is kept for a few seconds once read.
    const created = await s.call('POST', '/v1/collections', {
      name: 'quiet',
      vectors: { text: { modality: 'text', dim: DIM } },
    });
    expect(created.status).toBe(201);
    await s.call('POST', '/v1/items', {
      collection: 'quiet',
      items: [{ id: 'q1', vectors: { text: vec(DIM, 1, 1) } }],
    });
    const r = await recommend({ collection: 'quiet', userId: 'newcomer' });
    expect(r.json.hits).toEqual([]);
    expect(r.json.notes.join(' ')).toMatch(/no profile yet/);
    expect(r.json.notes.join(' ')).toMatch(/nothing to fall back on/);
  });

  it('lists the most engaged items, most first (ties by id), without skipped-only ones; filter, pages, none', async () => {
    let n = 0;
    const event = (type: string, userId: string, itemId: string) => ({
      type,
      eventId: `e${n++}`,
      collection: C,
      userId,
      itemId,
      ...(type === 'dwell' ? { dwellMs: 40_000 } : {}),
    });
    const fed = await s.call('POST', '/v1/feedback', {
      events: [
        event('purchase', 'a', 'i5'), // 3
        event('like', 'b', 'i2'), // 2 + 1 = 3: ties with i5, before it by id
        event('click', 'c', 'i2'),
        event('click', 'a', 'i9'), // 1
        event('dwell', 'b', 'i12'), // 1.5
        event('skip', 'c', 'i7'), // a skip adds no engagement: never popular
      ],
    });
    expect(fed.status, fed.text).toBe(200);
    const r = await recommend({ userId: 'newcomer' });
    expect(ids(r)).toEqual(['i2', 'i5', 'i12', 'i9']);
    expect(r.json.sources).toEqual(['popular']);
    expect(r.json.ranker.name).toBe('rrf');
    expect(r.json.notes.join(' ')).toMatch(/most engaged items/);
    expect(r.json.hits[0].explanation.ranks).toEqual({ popular: 0 });
    const odd = await recommend({
      userId: 'newcomer',
      filter: { must: [{ key: 'category', match: { value: 'odd' } }] },
    });
    expect(ids(odd)).toEqual(['i5', 'i9']);
    const page2 = await recommend({ userId: 'newcomer', limit: 2, offset: 2 });
    expect(ids(page2)).toEqual(['i12', 'i9']);
    // Any fusion ranks the one list in its order.
    expect(ids(await recommend({ userId: 'newcomer', fusion: 'weighted' }))).toEqual(ids(r));
    const none = await recommend({ userId: 'newcomer', fallback: 'none' });
    expect(none.json.hits).toEqual([]);
    expect(none.json.ranker.name).toBe('none');
    // Logged like any served list, with feature rows, so its clicks train the ranker too.
    const e = await loggedImpression(s, C, r.json.queryId as string);
    expect(e.items.map((i) => i.id)).toEqual(ids(r));
    for (const id of ids(r)) expect(e.features?.[id]?.length).toBeGreaterThan(0);
  });

  it('a known user is recommended from their profile, not the popular list', async () => {
    const r = await recommend({ userId: 'a' });
    expect(r.json.sources).not.toContain('popular');
    expect(ids(r)).not.toContain('i5'); // seen
    expect(ids(r).length).toBeGreaterThan(0);
  });

  it('a request naming no item or user gets the list alone; trending ranks recent engagement first', async () => {
    // Its own collection: the popular list is kept for a few seconds once read.
    const S = 'shelf';
    expect(
      (
        await s.call('POST', '/v1/collections', {
          name: S,
          vectors: { text: { modality: 'text', dim: DIM } },
        })
      ).status,
    ).toBe(201);
    await s.call('POST', '/v1/items', {
      collection: S,
      items: ['s0', 's1', 's2'].map((id, i) => ({ id, vectors: { text: vec(DIM, i, i % 4) } })),
    });
    const day = 86_400_000;
    const event = (type: string, eventId: string, itemId: string, ago = 0) => ({
      type,
      eventId,
      collection: S,
      userId: eventId,
      itemId,
      timestamp: Date.now() - ago,
    });
    const fed = await s.call('POST', '/v1/feedback', {
      events: [
        // A month ago (about 2^-4.3 each now) against a like and a click today.
        ...['x', 'y', 'z'].map((u) => event('purchase', `old-${u}`, 's0', 30 * day)),
        event('like', 'today-1', 's1'),
        event('click', 'today-2', 's2'),
      ],
    });
    expect(fed.status, fed.text).toBe(200);
    const shelf = await recommend({ collection: S });
    expect(ids(shelf)).toEqual(['s0', 's1', 's2']); // all time: 9 against 2 and 1
    expect(shelf.json.sources).toEqual(['popular']);
    expect(shelf.json.notes).toEqual([]);
    const trending = await recommend({ collection: S, fallback: 'trending' });
    expect(ids(trending)).toEqual(['s1', 's2', 's0']);
    expect(trending.json.sources).toEqual(['trending']);
    const user = await recommend({ collection: S, userId: 'stranger', fallback: 'trending' });
    expect(ids(user)).toEqual(['s1', 's2', 's0']);
    expect(user.json.notes.join(' ')).toMatch(/engaged with lately/);
    const refused = await s.call('POST', '/v1/recommend', { collection: S, fallback: 'none' });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/fallback list/);
  });
});
