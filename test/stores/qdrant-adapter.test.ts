import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChorusError } from '../../src/errors.js';
import { toQdrantFilter } from '../../src/stores/filter-qdrant.js';
import { pointIdFor } from '../../src/stores/qdrant/point-id.js';
import { QdrantStore } from '../../src/stores/qdrant-store.js';

const indexes = {
  brand: 'keyword',
  stock: 'integer',
  price: 'float',
  ok: 'bool',
  title: 'text',
  at: 'datetime',
  place: 'geo',
} as const;

describe('toQdrantFilter', () => {
  it('translates every operator with Qdrant semantics', () => {
    expect(
      toQdrantFilter(
        {
          must: [
            { key: 'brand', match: { value: "o'neil" } },
            { key: 'stock', in: [1, 2] },
            { key: 'price', range: { gte: 1, lt: 9.5 } },
            { key: 'ok', in: [true] },
            { key: 'title', match: { value: 'red shoe' } },
          ],
          should: [
            { key: 'brand', exists: true },
            { key: 'price', match: { value: 2.5 } },
          ],
          must_not: [{ key: 'brand', exists: false }, { must: [{ key: 'at', range: { gte: 0 } }] }],
        },
        indexes,
      ),
    ).toEqual({
      must: [
        { key: 'brand', match: { value: "o'neil" } },
        { key: 'stock', match: { any: [1, 2] } },
        { key: 'price', range: { gte: 1, lt: 9.5 } },
        { should: [{ key: 'ok', match: { value: true } }] },
        { key: 'title', match: { text: 'red shoe' } },
      ],
      should: [
        { must_not: [{ is_empty: { key: 'brand' } }] },
        { key: 'price', range: { gte: 2.5, lte: 2.5 } },
      ],
      must_not: [
        { is_empty: { key: 'brand' } },
        { must: [{ key: 'at', range: { gte: '1970-01-01T00:00:00.000Z' } }] },
      ],
    });
    expect(toQdrantFilter({}, indexes)).toBeUndefined();
  });

  it("passes a geo radius as Qdrant's own geo_radius, only on geo fields", () => {
    const center = { lat: 48.86, lon: 2.35 };
    expect(
      toQdrantFilter({ must: [{ key: 'place', geo_radius: { center, radius: 5000 } }] }, indexes),
    ).toEqual({ must: [{ key: 'place', geo_radius: { center, radius: 5000 } }] });
    expect(() =>
      toQdrantFilter({ must: [{ key: 'brand', geo_radius: { center, radius: 5000 } }] }, indexes),
    ).toThrow(/need a geo field/);
    const box = { top_left: { lat: 52, lon: -1 }, bottom_right: { lat: 48, lon: 5 } };
    expect(
      toQdrantFilter({ must_not: [{ key: 'place', geo_bounding_box: box }] }, indexes),
    ).toEqual({ must_not: [{ key: 'place', geo_bounding_box: box }] });
    expect(() =>
      toQdrantFilter({ must: [{ key: 'place', match: { value: 'paris' } }] }, indexes),
    ).toThrow(/place is geo/);
  });

  it('rejects unknown fields and mistyped values like the LanceDB translation', () => {
    expect(() =>
      toQdrantFilter({ must: [{ key: 'nope', match: { value: 'x' } }] }, indexes),
    ).toThrow(/not filterable/);
    expect(() =>
      toQdrantFilter({ must: [{ key: 'stock', match: { value: 'x' } }] }, indexes),
    ).toThrow(ChorusError);
    expect(() => toQdrantFilter({ must: [{ key: 'brand', range: { gt: 1 } }] }, indexes)).toThrow(
      /range/,
    );
  });
});

describe('pointIdFor', () => {
  it('maps any string id to a stable, distinct UUID', () => {
    const a = pointIdFor('item-1');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointIdFor('item-1')).toBe(a);
    expect(pointIdFor('item-2')).not.toBe(a);
    expect(pointIdFor('üñí/çødé ✓')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('Qdrant error mapping against a real local HTTP server', () => {
  let server: Server;
  let url: string;
  let hits = 0;
  let flaky = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      const u = req.url ?? '';
      if (u.includes('/collections/flaky') && flaky++ === 0) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ status: { error: 'slow down' } }));
      } else if (u.includes('/collections/limited')) {
        // Single digit: qdrant-js 1.18 reads only the first character of retry-after.
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '9' });
        res.end(JSON.stringify({ status: { error: 'too many requests' } }));
      } else if (u.includes('/collections/slow')) {
        setTimeout(() => res.end('{}'), 3000).unref();
      } else if (u.includes('/collections/broken')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: { error: 'disk on fire' } }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ status: { error: "Not found: Collection `missing` doesn't exist!" } }),
        );
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const codeOf = async (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (e: unknown) => (e instanceof ChorusError ? { code: e.code, details: e.details } : String(e)),
    );

  it('maps 429 with retry-after to RATE_LIMITED', async () => {
    const store = new QdrantStore({ url });
    expect(await codeOf(store.openCollection('limited'))).toEqual({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: 9 },
    });
  });

  it('retries once after a short retry-after and then returns the real answer', async () => {
    const store = new QdrantStore({ url });
    const started = Date.now();
    expect(await codeOf(store.openCollection('flaky'))).toMatchObject({
      code: 'COLLECTION_NOT_FOUND',
    });
    expect(flaky).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('maps a timeout to UNAVAILABLE', async () => {
    const store = new QdrantStore({ url, timeoutMs: 300 });
    expect(await codeOf(store.openCollection('slow'))).toMatchObject({
      code: 'UNAVAILABLE',
      details: { reason: 'timeout' },
    });
  });

  it('maps 5xx to UNAVAILABLE and 404 to COLLECTION_NOT_FOUND', async () => {
    const store = new QdrantStore({ url });
    expect(await codeOf(store.openCollection('broken'))).toMatchObject({
      code: 'UNAVAILABLE',
      details: { status: 500 },
    });
    expect(await codeOf(store.openCollection('missing'))).toMatchObject({
      code: 'COLLECTION_NOT_FOUND',
    });
  });

  it('maps a refused connection to UNAVAILABLE', async () => {
    const store = new QdrantStore({ url: 'http://127.0.0.1:1' });
    expect(await codeOf(store.openCollection('x'))).toMatchObject({ code: 'UNAVAILABLE' });
    expect(hits).toBeGreaterThan(0);
  });
});
