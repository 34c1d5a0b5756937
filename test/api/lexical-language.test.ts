import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, vec, waitForJob, type Json, type TestServer } from './harness.js';

const DIM = 8;

const ITEMS = [
  { id: 'chevaux', payload: { title: 'Deux chevaux blancs', text: 'dans la ferme' } },
  { id: 'canape', payload: { title: 'Un canapé en cuir', text: 'pour les salons' } },
  { id: 'livres', payload: { title: 'Les livres anciens', text: 'une bibliothèque' } },
].map((item, i) => ({ ...item, vectors: { text: vec(DIM, i, i) } }));

/** A collection's BM25 language over real HTTP: set on an empty collection, or switched by a rebuild. */
describe('BM25 language per collection', () => {
  let s: TestServer;
  const create = async (name: string) => {
    const r = await s.call('POST', '/v1/collections', {
      name,
      vectors: { text: { modality: 'text', dim: DIM } },
    });
    expect(r.status, r.text).toBe(201);
  };
  const search = (collection: string, text: string, extra: Json = {}) =>
    s.call('POST', '/v1/search', { collection, text, limit: 5, lexical: true, ...extra });
  const bm25Ids = async (collection: string, text: string) => {
    const r = await search(collection, text, { fusion: 'rrf' });
    expect(r.status, r.text).toBe(200);
    return (r.json.hits as Json[])
      .filter((h) => (h.explanation as Json).ranks.bm25 !== undefined)
      .map((h) => h.id as string)
      .sort();
  };
  beforeAll(async () => {
    s = await startServer({ search: { swapShare: 0 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('set on an empty collection it applies at once: stems, stop words, highlights and synonyms in French', async () => {
    await create('boutique');
    const put = await s.call('PUT', '/v1/collections/boutique/lexical', { language: 'french' });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toEqual({ fieldWeights: {}, language: 'french', rebuildNeeded: false });
    expect((await s.call('GET', '/v1/collections/boutique/lexical')).json).toEqual({
      fieldWeights: {},
      language: 'french',
      indexLanguage: 'french',
    });
    expect(
      (await s.call('POST', '/v1/items', { collection: 'boutique', items: ITEMS })).status,
    ).toBe(200);
    expect(await bm25Ids('boutique', 'cheval')).toEqual(['chevaux']);
    expect(await bm25Ids('boutique', 'livre bibliothèques')).toEqual(['livres']);
    // "les" is a French stop word: it finds nothing, though two items hold it.
    expect(await bm25Ids('boutique', 'les')).toEqual([]);
    const lit = await search('boutique', 'cheval blanc', { highlight: true });
    const hit = (lit.json.hits as Json[]).find((h) => h.id === 'chevaux')!;
    expect(hit.highlights).toEqual({
      title: [
        [5, 12],
        [13, 19],
      ],
    });
    // Synonyms are analyzed in the collection's language: a French stop word alone is no expression.
    const stop = await s.call('PUT', '/v1/collections/boutique/synonyms', {
      groups: [['les', 'des']],
    });
    expect(stop.status).toBe(400);
    const syn = await s.call('PUT', '/v1/collections/boutique/synonyms', {
      groups: [['sofa', 'canapés']],
    });
    expect(syn.status, syn.text).toBe(200);
    expect(await bm25Ids('boutique', 'sofas')).toEqual(['canape']);
    // A quoted phrase is matched as French too.
    expect(await bm25Ids('boutique', '"cheval blanc"')).toEqual(['chevaux']);
  });

  it('on stored documents it waits for the rebuild, which switches queries and documents together', async () => {
    await create('legacy');
    expect((await s.call('POST', '/v1/items', { collection: 'legacy', items: ITEMS })).status).toBe(
      200,
    );
    expect(await bm25Ids('legacy', 'cheval')).toEqual([]); // English: "chevaux" is another word
    const put = await s.call('PUT', '/v1/collections/legacy/lexical', { language: 'french' });
    expect(put.json).toMatchObject({ language: 'french', rebuildNeeded: true });
    expect((await s.call('GET', '/v1/collections/legacy/lexical')).json.indexLanguage).toBe(
      'english',
    );
    expect(await bm25Ids('legacy', 'cheval')).toEqual([]);
    // Searches say the index still reads English, and how the switch happens.
    const pending = await search('legacy', 'cheval', {});
    expect((pending.json.notes as string[]).join(' ')).toMatch(
      /BM25 still reads this collection in english: its settings say french.*lexical rebuild/,
    );
    const start = await s.call('POST', '/v1/jobs', {
      name: 'lexical-rebuild',
      payload: { collection: 'legacy' },
    });
    expect(start.status, start.text).toBe(202);
    const job = await waitForJob(s, start.json.id as string);
    expect(job.state, JSON.stringify(job)).toBe('completed');
    expect((await s.call('GET', '/v1/collections/legacy/lexical')).json.indexLanguage).toBe(
      'french',
    );
    expect(await bm25Ids('legacy', 'cheval')).toEqual(['chevaux']);
    const switched = await search('legacy', 'cheval', {});
    expect((switched.json.notes as string[]).join(' ')).not.toMatch(/BM25 still reads/);
    // A later write is analyzed in French too.
    await s.call('POST', '/v1/items', {
      collection: 'legacy',
      items: [
        {
          id: 'jument',
          payload: { title: 'Les chevaux noirs' },
          vectors: { text: vec(DIM, 9, 1) },
        },
      ],
    });
    expect(await bm25Ids('legacy', 'cheval')).toEqual(['chevaux', 'jument']);
    // The settings document carries the language, and an unknown one is refused.
    expect((await s.call('GET', '/v1/collections/legacy/settings')).json.lexical).toEqual({
      fieldWeights: {},
      language: 'french',
    });
    const bad = await s.call('PUT', '/v1/collections/legacy/lexical', { language: 'klingon' });
    expect(bad.status).toBe(400);
    expect((await s.call('GET', '/v1/collections/legacy/lexical')).json.language).toBe('french');
  });
});
