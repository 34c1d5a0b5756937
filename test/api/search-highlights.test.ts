import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/lexical/analyzer.js';
import { startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;

/** `highlight` over real HTTP: each shown hit's text fields with the spans that hold the query's terms. */
describe('search highlights', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
    await s.call('POST', '/v1/collections', {
      name: 'declared',
      vectors: { text: { modality: 'text', dim: DIM } },
      payloadIndexes: { name: 'text', blurb: 'text', brand: 'keyword' },
    });
    await s.call('POST', '/v1/collections', {
      name: 'defaults',
      vectors: { text: { modality: 'text', dim: DIM } },
    });
    const items = [
      {
        id: 'a',
        payload: { name: 'Walnut Lamp', blurb: 'A lamp of walnut. Lamps glow.', brand: 'lamp' },
      },
      { id: 'b', payload: { name: 'Oak desk', blurb: 'Sturdy; no lamp included', brand: 'oak' } },
      { id: 'c', payload: { name: 'Chair', blurb: 'nothing to see', brand: 'x' } },
      {
        id: 'd',
        payload: { name: 'Stool', blurb: ['plain', 'Walnut legs, no lamps', 7], brand: 'y' },
      },
    ].map((item, i) => ({ ...item, vectors: { text: vec(DIM, i, i) } }));
    for (const collection of ['declared', 'defaults'])
      expect(
        (
          await s.call('POST', '/v1/items', {
            collection,
            items:
              collection === 'declared'
                ? items
                : items.map((i) => ({
                    ...i,
                    payload: { title: i.payload.name, text: i.payload.blurb },
                  })),
          })
        ).status,
      ).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  const terms = new Set(analyze('walnut lamps'));
  const spansOk = (hit: Json) => {
    for (const [field, spans] of Object.entries(hit.highlights as Record<string, number[][]>)) {
      expect(spans.length).toBeGreaterThan(0);
      for (const [a, b] of spans)
        expect(terms.has(analyze(hit.payload[field].slice(a, b))[0]!)).toBe(true);
    }
  };

  it("marks the collection's BM25 text fields of every shown hit, and only those", async () => {
    const r = await s.call('POST', '/v1/search', {
      collection: 'declared',
      text: 'walnut lamps',
      vectors: { text: vec(DIM, 2, 2) },
      highlight: true,
      fusion: 'rrf',
    });
    expect(r.status, r.text).toBe(200);
    const byId = new Map((r.json.hits as Json[]).map((h) => [h.id as string, h]));
    expect(byId.get('a').highlights).toEqual({
      name: [
        [0, 6],
        [7, 11],
      ],
      blurb: [
        [2, 6],
        [10, 16],
        [18, 23],
      ],
    });
    // `brand` is a keyword field, not text: never marked even where it holds a query word.
    expect(byId.get('b').highlights).toEqual({ blurb: [[11, 15]] });
    // A hit found by its vector alone carries an empty map: the field is there whenever it was asked for.
    expect(byId.get('c').highlights).toEqual({});
    // A list of strings is marked per element: [element, start, end].
    expect(byId.get('d').highlights).toEqual({
      blurb: [
        [1, 0, 6],
        [1, 16, 21],
      ],
    });
    expect(byId.get('d').payload.blurb[1].slice(16, 21)).toBe('lamps');
    for (const h of (r.json.hits as Json[]).filter((h) => h.id !== 'd')) spansOk(h);
  });

  it('uses the default text fields when none are declared; absent unless asked, and for queries without text', async () => {
    const r = await s.call('POST', '/v1/search', {
      collection: 'defaults',
      text: 'walnut lamps',
      highlight: true,
    });
    expect(r.status, r.text).toBe(200);
    const a = (r.json.hits as Json[]).find((h) => h.id === 'a');
    expect(Object.keys(a.highlights).sort()).toEqual(['text', 'title']);
    spansOk(a);
    const plain = await s.call('POST', '/v1/search', {
      collection: 'defaults',
      text: 'walnut lamps',
    });
    expect((plain.json.hits as Json[]).every((h) => !('highlights' in h))).toBe(true);
    const vectorOnly = await s.call('POST', '/v1/search', {
      collection: 'defaults',
      vectors: { text: vec(DIM, 0, 0) },
      highlight: true,
    });
    expect((vectorOnly.json.hits as Json[]).every((h) => !('highlights' in h))).toBe(true);
    const bad = await s.call('POST', '/v1/search', {
      collection: 'defaults',
      text: 'x',
      highlight: 'yes',
    });
    expect(bad.status).toBe(400);
  });

  it('snippets: the best window of each matched string field, at word boundaries, holding the matches', async () => {
    const body = `${'filler words here '.repeat(20)}the walnut lamp sits on a desk${' and more filler'.repeat(20)}`;
    const put = await s.call('POST', '/v1/items', {
      collection: 'defaults',
      items: [
        {
          id: 'long',
          payload: { title: 'Long one', text: body },
          vectors: { text: vec(DIM, 9, 1) },
        },
      ],
    });
    expect(put.status, put.text).toBe(200);
    const r = await s.call('POST', '/v1/search', {
      collection: 'defaults',
      text: 'walnut lamp',
      snippet: 60,
    });
    expect(r.status, r.text).toBe(200);
    const hit = (r.json.hits as Json[]).find((h) => h.id === 'long');
    expect(hit.highlights.text.length).toBeGreaterThan(0); // a snippet implies highlights
    const [start, end] = hit.snippets.text as [number, number];
    expect(end - start).toBeLessThanOrEqual(60);
    expect(start).toBeGreaterThan(0);
    const shown = body.slice(start, end);
    expect(shown).toContain('walnut lamp');
    expect(body[start - 1]).toBe(' ');
    // A short field is its whole self; fields without a match get none.
    const a = (r.json.hits as Json[]).find((h) => h.id === 'a');
    expect(a.snippets.title).toEqual([0, 'Walnut Lamp'.length]);
    expect('title' in hit.snippets).toBe(false);
    const bad = await s.call('POST', '/v1/search', {
      collection: 'defaults',
      text: 'x',
      snippet: 10,
    });
    expect(bad.status).toBe(400);
  });
});
