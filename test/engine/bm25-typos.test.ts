import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { Bm25Index } from '../../src/lexical/bm25-index.js';
import { tempBm25 } from '../support/temp-bm25.js';
import { bestCorrection, withinOneEdit } from '../../src/lexical/typos.js';

const index = tempBm25('chorus-typos-');
const DOCS = [
  { id: 'blue-jersey', text: 'blue jersey for running' },
  { id: 'red-jersey', text: 'red jersey' },
  { id: 'jeans', text: 'blue jeans' },
  { id: 'lamp', text: 'walnut lamp' },
];
const ids = async (i: Bm25Index, q: string) => (await i.searchAsync('c', q, 10)).map((h) => h.id);

describe('one edit', () => {
  it('insertion, deletion, substitution and a swap of neighbours are one edit; two changes are not', () => {
    for (const [a, b] of [
      ['jersy', 'jersey'],
      ['jerseyy', 'jersey'],
      ['jersay', 'jersey'],
      ['jresey', 'jersey'],
      ['lamp', 'lamp'],
    ])
      expect(withinOneEdit(a!, b!), `${a} ${b}`).toBe(true);
    for (const [a, b] of [
      ['jrsy', 'jersey'],
      ['jesrye', 'jersey'],
      ['lamp', 'lampss'],
    ])
      expect(withinOneEdit(a!, b!), `${a} ${b}`).toBe(false);
  });

  it('picks the most frequent term one edit from any typed form; short words are never corrected', () => {
    const vocabulary = [
      { term: 'jersey', df: 3 },
      { term: 'jerse', df: 9 },
      { term: 'lamp', df: 1 },
    ];
    expect(bestCorrection(['jersi', 'jersy'], vocabulary)).toBe('jerse');
    expect(bestCorrection(['jersei'], [{ term: 'jersey', df: 3 }])).toBe('jersey');
    expect(bestCorrection(['lam'], vocabulary)).toBeUndefined();
    expect(bestCorrection(['zzzz'], vocabulary)).toBeUndefined();
    // Codes are not words: a digit one edit away is another product.
    expect(bestCorrection(['lamp2'], [{ term: 'lamp3', df: 5 }])).toBeUndefined();
  });

  it('changes a first letter only in words of five letters or more, and only when no term keeps it', () => {
    const vocabulary = [
      { term: 'gender', df: 9 },
      { term: 'render', df: 3 },
      { term: 'hinder', df: 1 },
    ];
    // "hinder" keeps the typed "h": taken over the more frequent "gender".
    expect(bestCorrection(['hender'], vocabulary)).toBe('hinder');
    expect(bestCorrection(['xender'], vocabulary)).toBe('gender');
    expect(bestCorrection(['ender'], vocabulary)).toBe('gender');
    expect(
      bestCorrection(
        ['bend'],
        [
          { term: 'bent', df: 1 },
          { term: 'lend', df: 9 },
        ],
      ),
    ).toBe('bent');
    expect(bestCorrection(['xend'], [{ term: 'lend', df: 9 }])).toBeUndefined();
  });
});

describe('BM25 typo tolerance', () => {
  it('reads a word the collection never saw as its nearest term; exact words score above corrected ones', async () => {
    const i = index();
    await i.upsert('c', DOCS);
    // "jersy" stems to "jersi": two edits from the term "jersey", one from the word.
    expect((await ids(i, 'jersy')).sort()).toEqual(['blue-jersey', 'red-jersey']);
    const [exact] = await i.searchAsync('c', 'jersey', 1);
    const [fixed] = await i.searchAsync('c', 'jersy', 1);
    expect(fixed!.score).toBeCloseTo(exact!.score * 0.8, 6);
    // "blue" is exact, "jersy" corrected: the blue jersey first, blue jeans (one exact word) after it.
    expect((await ids(i, 'blue jersy')).slice(0, 2)).toEqual(['blue-jersey', 'jeans']);
    // Second and third letters swapped, or a letter inserted second, are found too (read by first and third letter).
    expect((await ids(i, 'jresey')).sort()).toEqual(['blue-jersey', 'red-jersey']);
    expect((await ids(i, 'jxersey')).sort()).toEqual(['blue-jersey', 'red-jersey']);
    // The second letter deleted or replaced (read by first letter, any letter, then the typed second or third).
    expect((await ids(i, 'jrsey')).sort()).toEqual(['blue-jersey', 'red-jersey']);
    expect((await ids(i, 'jxrsey')).sort()).toEqual(['blue-jersey', 'red-jersey']);
    expect((await ids(i, 'wlnut')).sort()).toEqual(['lamp']);
    // First-letter slips in words of five letters or more: replaced, missing, an extra one, swapped with the second.
    for (const typed of ['hersey', 'ersey', 'kjersey', 'ejrsey'])
      expect((await ids(i, typed)).sort(), typed).toEqual(['blue-jersey', 'red-jersey']);
    expect(await ids(i, 'xalnut')).toEqual(['lamp']);
    // Four letters: "kamp" is not read as "lamp".
    expect(await ids(i, 'kamp')).toEqual([]);
    // Short words and words two edits away stay unknown.
    expect(await ids(i, 'lmp')).toEqual([]);
    expect(await ids(i, 'jrsy')).toEqual([]);
  });

  it('never changes a word the collection knows, and forgets a correction when the word arrives', async () => {
    const i = index();
    await i.upsert('c', DOCS);
    expect((await ids(i, 'jersy')).sort()).toEqual(['blue-jersey', 'red-jersey']);
    await i.upsert('c', [{ id: 'typo-doc', text: 'jersy sale' }]);
    expect(await ids(i, 'jersy')).toEqual(['typo-doc']);
  });

  it('is off with typoTolerance false; the read thread applies the same setting', async () => {
    const off = index(false);
    await off.upsert('c', DOCS);
    expect(await ids(off, 'jersy')).toEqual([]);
    const threaded = index();
    await threaded.upsert('c', DOCS);
    threaded.useReadThread({ minDocs: 1 });
    expect(await threaded.readThreadReady()).toBe(true);
    expect((await ids(threaded, 'jersy')).sort()).toEqual(['blue-jersey', 'red-jersey']);
    expect(threaded.threadSearches).toBeGreaterThan(0);
  });

  it('says which words it read as which terms, on this thread and the read thread alike', async () => {
    const here = index();
    await here.upsert('c', DOCS);
    expect(here.read('c', 'blue jersy lmp', 10).corrections).toEqual([
      { word: 'jersy', term: 'jersey' },
    ]);
    expect(here.read('c', 'blue jersey', 10).corrections).toEqual([]);
    // Asked without a search first: looked up; after one: what that search read.
    expect(here.corrections('c', 'Jersy')).toEqual([{ word: 'jersy', term: 'jersey' }]);
    await here.searchAsync('c', 'walnut lampz', 5);
    expect(here.corrections('c', 'walnut lampz')).toEqual([{ word: 'lampz', term: 'lamp' }]);
    expect(index(false).corrections('c', 'jersy')).toEqual([]);
    const threaded = index();
    await threaded.upsert('c', DOCS);
    threaded.useReadThread({ minDocs: 1 });
    expect(await threaded.readThreadReady()).toBe(true);
    await threaded.searchAsync('c', 'red jersy', 5);
    expect(threaded.threadSearches).toBe(1);
    expect(threaded.corrections('c', 'red jersy')).toEqual([{ word: 'jersy', term: 'jersey' }]);
    // A word that arrives is no longer corrected, and the next search of it says so.
    await threaded.upsert('c', [{ id: 'typo-doc', text: 'jersy sale' }]);
    await threaded.searchAsync('c', 'red jersy', 5);
    expect(threaded.corrections('c', 'red jersy')).toEqual([]);
  });

  it('is a setting: search.typoTolerance, CHORUS_SEARCH__TYPO_TOLERANCE', () => {
    expect(parseConfig({}).search.typoTolerance).toBe(true);
    expect(parseConfig({ search: { typoTolerance: 'false' } } as never).search.typoTolerance).toBe(
      false,
    );
  });
});
