import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverWithItems, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'shop';
const ITEMS = [
  { id: 'jersey', payload: { title: 'Blue Jersey', tags: ['sport'] } },
  { id: 'jeans', payload: { title: 'Blue jeans', tags: ['denim'] } },
  { id: 'lamp', payload: { title: 'Walnut lamp', tags: ['home'] } },
].map((item, i) => ({ ...item, vectors: { text: vec(DIM, i, i) } }));

/** Search as you type over real HTTP: `prefix` lets the last word match the words it begins (BM25 list). */
describe('search prefix (as you type)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serverWithItems({ name: C, dim: DIM }, ITEMS, { search: { swapShare: 0 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  // The BM25 list alone, so the vectors (encoded from nothing here) do not bring every item.
  const bm25Ids = (r: { json: Json }) =>
    (r.json.hits as { id: string; explanation: { ranks: Record<string, number> } }[])
      .filter((h) => (h.explanation.ranks.bm25 ?? -1) >= 0)
      .map((h) => h.id);
  const search = (text: string, more: Json = {}) =>
    s.call('POST', '/v1/search', { collection: C, text, fusion: 'rrf', ...more });

  it('finds the words being typed and marks them whole, without a "did you mean"', async () => {
    const r = await search('blue jers', { prefix: true, highlight: true });
    expect(r.status, r.text).toBe(200);
    expect(r.json.hits[0].id).toBe('jersey');
    expect(r.json.hits[0].highlights.title).toEqual([
      [0, 4],
      [5, 11],
    ]);
    expect(r.json.corrections).toBeUndefined();
    expect(r.json.notes.filter((n: string) => n.startsWith('typo'))).toEqual([]);
    expect(bm25Ids(await search('jea', { prefix: true }))).toEqual(['jeans']);
    // Two letters are too few to expand ("je" begins both).
    expect(bm25Ids(await search('je', { prefix: true }))).toEqual([]);
  });

  it('is off by default, and a space after the last word ends it', async () => {
    expect(bm25Ids(await search('jers'))).toEqual([]);
    expect(bm25Ids(await search('jers ', { prefix: true }))).toEqual([]);
  });

  it('refuses a prefix that is not a boolean', async () => {
    const r = await search('jers', { prefix: 'yes' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/prefix/);
  });
});
