import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.js';

// POST /v1/items bodies are parsed on worker threads (src/api/body). A gzip body still goes through express.json
// on the event loop, so sending each body both ways compares the thread path with the ordinary one.
const C = 'threads';
const DIMS = { a: 8, b: 16 } as const;

const values = (dim: number, seed: number) =>
  Array.from({ length: dim }, (_, i) => Number(Math.sin(seed * 1.7 + i * 0.3).toFixed(7)));
const item = (n: number) => ({
  id: `t${n}`,
  payload: { title: `thé ${n} ✓`, n, nested: { list: [1, 'two', null, -0.5] } },
  text: `item ${n}`,
  vectors: Object.fromEntries(Object.entries(DIMS).map(([k, d]) => [k, values(d, n)])),
});

describe('POST /v1/items parsed on worker threads', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
    const vectors = Object.fromEntries(
      Object.entries(DIMS).map(([name, dim]) => [name, { modality: 'image', dim }]),
    );
    expect((await s.call('POST', '/v1/collections', { name: C, vectors })).status).toBe(201);
  });
  afterAll(() => s.close());

  it('stores concurrent batches with every vector and payload exact', async () => {
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 25 }, (_, i) => item(b * 25 + i)),
    );
    const answers = await Promise.all(
      batches.map((items) => s.call('POST', '/v1/items', { collection: C, items })),
    );
    for (const r of answers) expect(r.json).toEqual({ upserted: 25 });
    expect(await s.chorus.store.count(C)).toBe(200);
    for (const n of [0, 77, 199]) {
      const r = await s.call('GET', `/v1/items/t${n}?collection=${C}&withVectors=true`);
      expect(r.status).toBe(200);
      const sent = item(n);
      expect(r.json.item.payload).toEqual({ ...sent.payload, text: sent.text });
      for (const [k, v] of Object.entries(sent.vectors))
        expect(r.json.item.vectors[k]).toEqual(v.map((x) => Math.fround(x)));
    }
  });

  it('answers every unusual or bad body exactly as express.json on the event loop does', async () => {
    const ok = JSON.stringify({ collection: C, items: [item(500)] });
    const withVector = (v: unknown) =>
      JSON.stringify({ collection: C, items: [{ id: 'v1', vectors: { a: v } }] });
    const cases: [string, string | Buffer, string?][] = [
      ['leading whitespace', `  \n${ok}`],
      ['byte order mark', `\uFEFF${ok}`],
      ['charset utf-8', ok, 'application/json; charset=utf-8'],
      ['charset latin1', ok, 'application/json; charset=latin1'],
      ['invalid JSON', ok.slice(0, -3)],
      ['top-level array', JSON.stringify([{ collection: C }])],
      ['top-level number', '42'],
      ['empty body', ''],
      [
        'invalid UTF-8',
        Buffer.concat([Buffer.from(ok.slice(0, -2)), Buffer.from([0xff, 0x7d, 0x7d])]),
      ],
      [
        'nested 80 deep',
        `{"collection":"${C}","items":[{"id":"d","payload":{"x":${'['.repeat(80)}${']'.repeat(80)}}}]}`,
      ],
      [
        '__proto__ payload key',
        `{"collection":"${C}","items":[{"id":"p","payload":{"__proto__":{"x":1}}}]}`,
      ],
      ['float32 overflow', withVector([1e39, 0, 0, 0, 0, 0, 0, 0])],
      ['string element', withVector([1, '2', 3, 4, 5, 6, 7, 8])],
      ['too many numbers', withVector(new Array(8193).fill(0.5))],
      ['empty vector', withVector([])],
      [
        'vectors not an object',
        JSON.stringify({ collection: C, items: [{ id: 'v2', vectors: [1] }] }),
      ],
      ['wrong dimension', withVector([1, 2, 3])],
      ['duplicate ids', JSON.stringify({ collection: C, items: [item(600), item(600)] })],
    ];
    for (const [name, body, type = 'application/json'] of cases) {
      const bytes = Buffer.from(body);
      const plain = await s.call('POST', '/v1/items', bytes, { 'content-type': type });
      const gzip = await s.call('POST', '/v1/items', gzipSync(bytes), {
        'content-type': type,
        'content-encoding': 'gzip',
      });
      expect({ name, status: plain.status, body: plain.json }).toEqual({
        name,
        status: gzip.status,
        body: gzip.json,
      });
    }
  });
});
