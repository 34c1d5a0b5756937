import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'shop';
const ITEMS = [
  { id: 'jersey', payload: { title: 'Blue Jersey', tags: ['sport'] } },
  { id: 'shelf', payload: { title: 'Oak shelf', tags: ['Home Categories'] } },
  { id: 'lamp', payload: { title: 'Walnut lamp', tags: ['home'] } },
].map((item, i) => ({ ...item, vectors: { text: vec(DIM, i, i) } }));

/** "Did you mean" over real HTTP: the words typo tolerance read as others, spelt as the shown hits spell them. */
describe('search corrections', () => {
  let s: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    s = await startServer({ search: { swapShare: 0 } });
    off = await startServer({ search: { swapShare: 0, typoTolerance: false } });
    for (const server of [s, off]) {
      await server.call('POST', '/v1/collections', {
        name: C,
        vectors: { text: { modality: 'text', dim: DIM } },
      });
      expect((await server.call('POST', '/v1/items', { collection: C, items: ITEMS })).status).toBe(
        200,
      );
    }
  });
  afterAll(async () => {
    await s?.close();
    await off?.close();
  });

  const search = (server: TestServer, text: string, more: Json = {}) =>
    server.call('POST', '/v1/search', { collection: C, text, fusion: 'rrf', ...more });

  it('reports each corrected word with the spelling a shown hit uses, in notes too', async () => {
    const r = await search(s, 'blue jersy');
    expect(r.status, r.text).toBe(200);
    expect(r.json.hits[0].id).toBe('jersey');
    expect(r.json.corrections).toEqual([{ word: 'jersy', as: 'jersey' }]);
    expect(r.json.notes).toContain('typo tolerance read "jersy" as "jersey"');
    // The index term is a stem ("categori"); the word comes from the hit's tags, a list of strings.
    const stemmed = await search(s, 'categoreis');
    expect(stemmed.json.hits[0].id).toBe('shelf');
    expect(stemmed.json.corrections).toEqual([{ word: 'categoreis', as: 'categories' }]);
  });

  it('marks corrected words in highlights like the query’s own', async () => {
    const r = await search(s, 'jersy', { highlight: true, limit: 1 });
    const hit = r.json.hits[0];
    expect(hit.highlights.title).toEqual([[5, 11]]);
    expect((hit.payload.title as string).slice(5, 11)).toBe('Jersey');
  });

  it('says nothing for words the collection knows, without text, or with typo tolerance off', async () => {
    const exact = await search(s, 'blue jersey');
    expect(exact.json.corrections).toBeUndefined();
    const typoNote = (notes: string[]) => notes.filter((n) => n.startsWith('typo tolerance'));
    expect(typoNote(exact.json.notes)).toEqual([]);
    const vectorOnly = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: { text: vec(DIM, 0, 0) },
    });
    expect(vectorOnly.json.corrections).toBeUndefined();
    const r = await search(off, 'blue jersy');
    expect(r.status).toBe(200);
    expect(r.json.corrections).toBeUndefined();
    expect(typoNote(r.json.notes)).toEqual([]);
  });
});
