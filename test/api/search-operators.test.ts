import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverWithItems, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'shop';
const ITEMS = [
  { id: 'red-dress', payload: { title: 'Red dress', tags: ['summer'] } },
  { id: 'dress-red', payload: { title: 'Dress in red' } },
  { id: 'leather-jacket', payload: { title: 'Leather jacket' } },
  { id: 'denim-jacket', payload: { title: 'Denim jacket', tags: ['faux fur lining'] } },
  { id: 'lamp', payload: { title: 'Walnut lamp' } },
].map((item, i) => ({ ...item, vectors: { text: vec(DIM, i, i) } }));

/** Quoted phrases and -exclusions over real HTTP: every list's candidates are held to them, the vectors' too. */
describe('search operators', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serverWithItems({ name: C, dim: DIM }, ITEMS, { search: { swapShare: 0 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  // With a query vector beside the text: the vector list brings every item, and must be held to the operators too.
  const search = (text: string, more: Json = {}) =>
    s.call('POST', '/v1/search', {
      collection: C,
      text,
      vectors: { text: vec(DIM, 0, 0) },
      fusion: 'rrf',
      limit: 10,
      ...more,
    });
  const ids = (r: { json: Json }) => (r.json.hits as { id: string }[]).map((h) => h.id);

  it('answers a quoted phrase with the items holding it, whichever list found them', async () => {
    // Without quotes the vector list brings every item; with them only the phrase's holder stays.
    expect((await search('red dress')).json.hits.length).toBe(ITEMS.length);
    const r = await search('"red dress"', { highlight: true });
    expect(r.status, r.text).toBe(200);
    expect(ids(r)).toEqual(['red-dress']);
    expect(r.json.hits[0].explanation.ranks.text).toBeGreaterThanOrEqual(0);
    expect(r.json.hits[0].highlights.title).toEqual([
      [0, 3],
      [4, 9],
    ]);
    expect(r.json.notes).toContain('query operators: every hit holds "red dress"');
    // Curly quotes too, and words beside the phrase still search.
    expect(ids(await search('“dress in red” walnut'))).toEqual(['dress-red']);
  });

  it('leaves out items holding an excluded word or phrase (lists of strings included)', async () => {
    const jackets = ids(await search('jacket -leather'));
    expect(jackets).toContain('denim-jacket');
    expect(jackets).not.toContain('leather-jacket');
    expect(jackets.length).toBe(ITEMS.length - 1);
    const noFur = ids(await search('jacket -"faux fur"'));
    expect(noFur).toContain('leather-jacket');
    expect(noFur).not.toContain('denim-jacket');
    expect((await search('jacket -"faux fur"')).json.notes).toContain(
      'query operators: no hit holds "faux fur"',
    );
  });

  it('takes hyphenated words and unpaired quotes as text, and refuses a query of exclusions only', async () => {
    expect((await search('t-shirt')).json.notes.some((n: string) => n.startsWith('query'))).toBe(
      false,
    );
    expect((await search('12" lamp')).status).toBe(200);
    const r = await s.call('POST', '/v1/search', { collection: C, text: '-leather' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/only says what to leave out/);
    // Stop words only: nothing to check, said in the note.
    const stop = await search('jacket "of the"');
    expect(stop.status).toBe(200);
    expect(stop.json.notes).toContain('query operators: ignored "of the" (no searchable word)');
  });
});
