import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geoDistance } from '../../src/domain/geo.js';
import { serverWithItems, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'places';
const PARIS = { lat: 48.8566, lon: 2.3522 };
const CITIES: Record<string, { lat: number; lon: number }> = {
  paris: PARIS,
  brussels: { lat: 50.8503, lon: 4.3517 }, // ~264 km from Paris
  london: { lat: 51.5074, lon: -0.1278 }, // ~344 km
  berlin: { lat: 52.52, lon: 13.405 }, // ~878 km
  madrid: { lat: 40.4168, lon: -3.7038 }, // ~1,054 km
  newyork: { lat: 40.7128, lon: -74.006 },
};

/** Geo search over real HTTP: points in a `geo` payload index, a radius filter, and a sort by distance. */
describe('geo search', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serverWithItems(
      { name: C, dim: DIM, payloadIndexes: { place: 'geo', kind: 'keyword' } },
      [
        ...Object.entries(CITIES).map(([id, place]) => ({
          id,
          payload: { title: `${id} city guide`, place, kind: 'city' },
        })),
        { id: 'nowhere', payload: { title: 'nowhere city guide', kind: 'city' } },
        { id: 'garbled', payload: { title: 'garbled city guide', place: { lat: 'north' } } },
      ].map((item, i) => ({ ...item, vectors: { text: vec(DIM, i, i % 4) } })),
      { search: { swapShare: 0 } },
    );
  });
  afterAll(async () => {
    await s?.close();
  });
  const search = async (body: Json) => {
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: { text: vec(DIM, 3, 3) },
      limit: 20,
      ...body,
    });
    expect(r.status, r.text).toBe(200);
    return r.json;
  };
  const ids = (r: Json) => (r.hits as Json[]).map((h) => h.id as string);
  const within = (radius: number) => ({
    must: [{ key: 'place', geo_radius: { center: PARIS, radius } }],
  });

  it('geo_radius keeps the points within the radius, on vector and text lists alike', async () => {
    expect(ids(await search({ filter: within(400_000) })).sort()).toEqual([
      'brussels',
      'london',
      'paris',
    ]);
    expect(ids(await search({ filter: within(300_000) })).sort()).toEqual(['brussels', 'paris']);
    // The BM25 list checks candidates' payloads in memory: the same answer.
    const text = await search({ text: 'city guide', vectors: undefined, filter: within(400_000) });
    expect(ids(text).sort()).toEqual(['brussels', 'london', 'paris']);
    // A map's viewport: the box around Paris, Brussels and London (edges included).
    const box = await search({
      filter: {
        must: [
          {
            key: 'place',
            geo_bounding_box: { top_left: { lat: 52, lon: -1 }, bottom_right: { lat: 48, lon: 5 } },
          },
        ],
      },
    });
    expect(ids(box).sort()).toEqual(['brussels', 'london', 'paris']);
    // must_not: everything else, items without a point included.
    const outside = await search({
      filter: { must_not: [{ key: 'place', geo_radius: { center: PARIS, radius: 400_000 } }] },
    });
    expect(ids(outside).sort()).toEqual(['berlin', 'garbled', 'madrid', 'newyork', 'nowhere']);
    // Catalogue counts and recommendations take the same filter.
    const counted = await s.call('POST', '/v1/items/facets', {
      collection: C,
      facets: ['kind'],
      filter: within(1_000_000),
    });
    expect(counted.json.scanned).toBe(4);
    const recommended = await s.call('POST', '/v1/recommend', {
      collection: C,
      itemId: 'paris',
      filter: within(400_000),
    });
    expect(recommended.status, recommended.text).toBe(200);
    expect(ids(recommended.json).sort()).toEqual(['brussels', 'london']);
  });

  it('sorts by distance from a point, nearest first (or farthest), and says how far each hit is', async () => {
    const near = await search({ sort: [{ field: 'place', near: PARIS }] });
    expect(ids(near)).toEqual([
      'paris',
      'brussels',
      'london',
      'berlin',
      'madrid',
      'newyork',
      ...ids(near).slice(6),
    ]);
    expect(ids(near).slice(6).sort()).toEqual(['garbled', 'nowhere']); // no point: last
    const hits = near.hits as Json[];
    expect(hits[0].distance).toBe(0);
    expect(hits[1].distance).toBeCloseTo(geoDistance(PARIS, CITIES.brussels!), -1);
    expect(hits[1].distance / 1000).toBeGreaterThan(250);
    expect(hits[1].distance / 1000).toBeLessThan(280);
    expect(hits[6].distance).toBeUndefined();
    const far = await search({ sort: [{ field: 'place', near: PARIS, order: 'desc' }], limit: 2 });
    expect(ids(far)).toEqual(['newyork', 'madrid']);
    // A plain sort carries no distance.
    expect((await search({ sort: [{ field: 'kind' }] })).hits[0].distance).toBeUndefined();
  });

  it('refuses geo filters on other fields, values compared to points, and points off the globe (400)', async () => {
    const bad = async (filter: Json, message: RegExp) => {
      const r = await s.call('POST', '/v1/search', {
        collection: C,
        vectors: { text: vec(DIM, 3, 3) },
        filter,
      });
      expect(r.status, JSON.stringify(filter)).toBe(400);
      expect(r.json.error.message).toMatch(message);
    };
    await bad(
      { must: [{ key: 'kind', geo_radius: { center: PARIS, radius: 10 } }] },
      /geo_radius filters need a geo field; kind is keyword/,
    );
    await bad({ must: [{ key: 'place', match: { value: 'paris' } }] }, /place is geo/);
    await bad({ must: [{ key: 'place', range: { gt: 1 } }] }, /range filters need/);
    await bad(
      { must: [{ key: 'place', geo_radius: { center: { lat: 91, lon: 0 }, radius: 10 } }] },
      /lat/,
    );
    await bad({ must: [{ key: 'place', geo_radius: { center: PARIS, radius: 0 } }] }, /radius/);
    const sortOff = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: { text: vec(DIM, 3, 3) },
      sort: [{ field: 'place', near: { lat: 0, lon: 200 } }],
    });
    expect(sortOff.status).toBe(400);
  });
});
