import { describe, expect, it } from 'vitest';
import { MAX_COMPLETIONS, type Bm25Index } from '../../src/lexical/bm25-index.js';
import { tempBm25 } from '../support/temp-bm25.js';

const index = tempBm25('chorus-prefix-');
const DOCS = [
  { id: 'blue-jersey', text: 'blue jersey for running' },
  { id: 'red-jersey', text: 'red jersey' },
  { id: 'blue-jeans', text: 'blue jeans' },
  { id: 'jerkin', text: 'leather jerkin' },
  { id: 'lamp', text: 'walnut lamp' },
  { id: 'theory', text: 'a theory of lamps' },
];
const ids = async (i: Bm25Index, q: string, prefix = true) =>
  (await i.searchAsync('c', q, 10, { prefix })).map((h) => h.id).sort();

describe('BM25 prefix search (search as you type)', () => {
  it('matches the words the last word begins, only with prefix on and nothing typed after it', async () => {
    const i = index();
    await i.upsert('c', DOCS);
    expect(await ids(i, 'jers')).toEqual(['blue-jersey', 'red-jersey']);
    expect(await ids(i, 'jer')).toEqual(['blue-jersey', 'jerkin', 'red-jersey']);
    // Off, or with a space after the word (it is complete): the word as typed (nothing begins with "jers" exactly).
    expect(await ids(i, 'jers', false)).toEqual([]);
    expect(await ids(i, 'jers ')).toEqual([]);
    // Only the last word: an earlier partial word is a word.
    expect(await ids(i, 'jers red')).toEqual(['red-jersey']);
    // A stop word being typed may begin a word ("the" -> "theory"); two characters are too short to expand.
    expect(await ids(i, 'the')).toEqual(['theory']);
    expect(await ids(i, 'je')).toEqual([]);
    // A complete word still matches itself, and the words it begins ("lamp" -> "lamps" stems to "lamp" anyway).
    expect(await ids(i, 'walnut lamp')).toEqual(['lamp', 'theory']);
  });

  it("ranks the other words first: the query's complete words decide, completions weigh alike", async () => {
    const i = index();
    await i.upsert('c', DOCS);
    const hits = await i.searchAsync('c', 'blue jer', 10, { prefix: true });
    // "blue" plus a completion beats a completion alone and "blue" alone.
    expect(hits[0]!.id).toBe('blue-jersey');
    // Blended idf: the rare completion ("jerkin", df 1) scores no higher than the common one ("jersey", df 2).
    const alone = await i.searchAsync('c', 'jer', 10, { prefix: true });
    const score = (id: string) => alone.find((h) => h.id === id)!.score;
    expect(score('jerkin')).toBeLessThanOrEqual(score('red-jersey') + 1e-9);
  });

  it('takes at most the most frequent completions, and a partial word is not "corrected" as a typo', async () => {
    const i = index();
    const many = Array.from({ length: MAX_COMPLETIONS + 4 }, (_, n) => ({
      id: `d${n}`,
      // d0 holds the most words: "zeta0".."zeta19" appear in 1..20 documents.
      text: Array.from({ length: MAX_COMPLETIONS + 4 - n }, (_, w) => `zeta${w}x`).join(' '),
    }));
    await i.upsert('c', [...DOCS, ...many]);
    const read = i.read('c', 'zeta', 100, { prefix: true });
    const terms = read.corrections.map((c) => c.term);
    expect(terms).toHaveLength(MAX_COMPLETIONS);
    expect(terms).toContain('zeta0x');
    expect(terms).not.toContain(`zeta${MAX_COMPLETIONS + 3}x`);
    expect(read.corrections.every((c) => c.completion && c.word === 'zeta')).toBe(true);
    // "jerse" begins "jersey": a completion, not a typo (typo tolerance would read it as the same term anyway).
    expect(i.read('c', 'jerse', 10, { prefix: true }).corrections).toEqual([
      { word: 'jerse', term: 'jersey', completion: true },
    ]);
    // A last word that begins nothing is still a possible typo of a whole word.
    expect(i.read('c', 'lampz', 10, { prefix: true }).corrections).toEqual([
      { word: 'lampz', term: 'lamp' },
    ]);
  });

  it('answers the same on the read thread, says what it read, and sees new words after a write', async () => {
    const here = index();
    await here.upsert('c', DOCS);
    const threaded = index();
    await threaded.upsert('c', DOCS);
    threaded.useReadThread({ minDocs: 1 });
    expect(await threaded.readThreadReady()).toBe(true);
    for (const q of ['jer', 'blue jea', 'walnut lam', 'the'])
      expect(await threaded.searchAsync('c', q, 10, { prefix: true }), q).toEqual(
        await here.searchAsync('c', q, 10, { prefix: true }),
      );
    expect(threaded.threadSearches).toBe(4);
    await threaded.searchAsync('c', 'blue jer', 10, { prefix: true });
    expect(
      threaded
        .corrections('c', 'blue jer', true)
        .map((c) => c.term)
        .sort(),
    ).toEqual(['jerkin', 'jersey']);
    // Remembered per mode: the same text searched without prefix read no completions.
    await threaded.searchAsync('c', 'blue jer', 10);
    expect(threaded.corrections('c', 'blue jer')).toEqual([]);
    // Asked without a search first: read as a search would.
    expect(here.corrections('c', 'lea', true)).toEqual([
      { word: 'lea', term: 'leather', completion: true },
    ]);
    await threaded.upsert('c', [{ id: 'jetty', text: 'old jetty' }]);
    expect(await ids(threaded, 'jet')).toEqual(['jetty']);
  });
});
