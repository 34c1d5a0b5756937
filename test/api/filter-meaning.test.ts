import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverWithItems, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'dated';
const ids = (r: { json: Json }) => (r.json.hits as Json[]).map((h) => h.id as string).sort();

/**
 * One filter, one meaning on every list: the popular shelf and curated items test payloads in memory, and read a
 * datetime written as ISO text as a time and a `text` match as a substring, as the vector lists' store does.
 */
describe('filters mean the same on lists that test payloads in memory', () => {
  let s: TestServer;
  const filter = {
    must: [
      { key: 'published', range: { gte: Date.UTC(2024, 0, 1) } },
      { key: 'blurb', match: { value: 'desk lamp' } },
    ],
  };
  const passing = ['i4', 'i6'];
  beforeAll(async () => {
    s = await serverWithItems(
      { name: C, dim: DIM, payloadIndexes: { published: 'datetime', blurb: 'text' } },
      Array.from({ length: 8 }, (_, i) => ({
        id: `i${i}`,
        payload: {
          published: new Date(Date.UTC(2021 + i, 5, 1)).toISOString(),
          blurb: i % 2 ? `Floor light ${i}` : `Brass Desk Lamp ${i}`,
        },
        vectors: { text: vec(DIM, i, i % 4) },
      })),
      { search: { swapShare: 0 } },
    );
    const fed = await s.call('POST', '/v1/feedback', {
      events: Array.from({ length: 8 }, (_, i) => ({
        type: 'click',
        eventId: `e${i}`,
        collection: C,
        userId: 'u',
        itemId: `i${i}`,
      })),
    });
    expect(fed.status, fed.text).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('the vector list (store) and the popular shelf (in memory) select the same items', async () => {
    const search = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: { text: Array.from(vec(DIM, 4, 0)) },
      filter,
      limit: 20,
    });
    expect(search.status, search.text).toBe(200);
    expect(ids(search)).toEqual(passing);
    const shelf = await s.call('POST', '/v1/recommend', { collection: C, filter, limit: 20 });
    expect(shelf.status, shelf.text).toBe(200);
    expect(shelf.json.sources).toEqual(['popular']);
    expect(ids(shelf)).toEqual(passing);
  });
});
