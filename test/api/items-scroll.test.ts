import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 4;
const C = 'pages';
const N = 250;
const ids = Array.from({ length: N }, (_, i) => `item-${String(i).padStart(3, '0')}`);

/** POST /v1/items/scroll over real HTTP and through the typed client. */
describe('paging through a collection', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
    await s.call('POST', '/v1/collections', {
      name: C,
      vectors: { text: { modality: 'text', dim: DIM } },
      payloadIndexes: { even: 'bool' },
    });
    const items = [...ids].reverse().map((id, i) => ({
      id,
      payload: { title: id, even: Number(id.slice(5)) % 2 === 0 },
      vectors: { text: vec(DIM, i, i) },
    }));
    expect((await s.call('POST', '/v1/items', { collection: C, items })).status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('pages hold every item once, in id order; the last page has no next', async () => {
    const client = createClient({ url: s.url });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.items.scroll({ collection: C, limit: 100, cursor });
      seen.push(...page.items.map((i) => i.id));
      for (const i of page.items) {
        expect(i.vectorNames).toEqual(['text']);
        expect(i.vectors).toBeUndefined();
        expect(i.payload.title).toBe(i.id);
      }
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('a filter restricts the pages; withVectors gives the stored values', async () => {
    const r = await s.call('POST', '/v1/items/scroll', {
      collection: C,
      filter: { must: [{ key: 'even', match: { value: true } }] },
      limit: 200,
      withVectors: true,
    });
    expect(r.status, r.text).toBe(200);
    expect((r.json.items as Json[]).map((i) => i.id)).toEqual(ids.filter((_, i) => i % 2 === 0));
    expect(r.json.next).toBeNull();
    const big = await s.call('POST', '/v1/items/scroll', {
      collection: C,
      limit: 201,
      withVectors: true,
    });
    expect(big.status).toBe(400);
    expect(JSON.stringify(big.json.error)).toMatch(/with withVectors, limit is at most 200/);
    expect(r.json.items[0].vectors.text).toHaveLength(DIM);
  });

  it('bad input is a 4xx naming it', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ collection: 'nope' }, 404, /nope/],
      [{ collection: C, cursor: 'not-a-cursor' }, 400, /cursor/],
      [{ collection: C, limit: 0 }, 400, /limit/],
      [{ collection: C, limit: 1001 }, 400, /limit/],
      [
        { collection: C, filter: { must: [{ key: 'title', match: { value: 'x' } }] } },
        400,
        /title/,
      ],
      [{ collection: C, extra: 1 }, 400, /extra/],
    ];
    for (const [body, status, message] of cases) {
      const r = await s.call('POST', '/v1/items/scroll', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(JSON.stringify(r.json.error), JSON.stringify(body)).toMatch(message);
    }
  });
});
