import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KvSynonyms } from '../../src/app/synonyms.js';
import { ChorusError } from '../../src/errors.js';
import { Bm25Index } from '../../src/lexical/bm25-index.js';
import { normaliseSynonyms, SynonymMatcher } from '../../src/lexical/synonyms.js';
import { openChorusDb, type ChorusDb } from '../../src/storage/index.js';

const dirs: string[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-synonyms-'));
  dirs.push(dir);
  return dir;
}

describe('SynonymMatcher', () => {
  const m = new SynonymMatcher({
    groups: [
      ['tee', 'T-shirt', 'tshirt'],
      ['sofa', 'couch'],
      ['hoodie', 'hooded sweatshirt'],
    ],
    rules: [{ from: ['sneakers', 'trainers'], to: ['shoes'] }],
  });

  it('adds the other expressions of every group the query holds, after stop words and stemming', () => {
    expect(m.expand('a red tee')).toEqual({
      terms: ['t', 'shirt', 'tshirt'],
      asTyped: ['tee'],
      added: ['T-shirt', 'tshirt'],
    });
    // A phrase matches where its terms stand in a row: "t-shirts" is "t shirt" to the analyzer.
    expect(m.expand('T-Shirts for the couches').added.sort()).toEqual(['sofa', 'tee', 'tshirt']);
    expect(m.expand('hooded grey sweatshirt').added).toEqual([]);
    expect(m.expand('hooded sweatshirts').added).toEqual(['hoodie']);
    expect(m.expand('walnut lamp')).toEqual({ terms: [], asTyped: [], added: [] });
  });

  it('never adds a term the query already has', () => {
    expect(m.expand('tee tshirt')).toEqual({
      terms: ['t', 'shirt'],
      asTyped: ['tee', 'tshirt'],
      added: ['T-shirt'],
    });
  });

  it('applies a one-way rule from its left side only', () => {
    expect(m.expand('white sneakers').added).toEqual(['shoes']);
    expect(m.expand('trainers').asTyped).toEqual(['trainer']);
    expect(m.expand('running shoes').added).toEqual([]);
  });

  it('refuses an expression without a searchable word, and a group of one expression', () => {
    expect(() => new SynonymMatcher({ groups: [['the', 'tee']], rules: [] })).toThrow(
      /"the" has no searchable word/,
    );
    expect(
      () => new SynonymMatcher({ groups: [], rules: [{ from: ['shoes'], to: ['of the'] }] }),
    ).toThrow(/no searchable word/);
    expect(() => normaliseSynonyms({ groups: [['Tee', ' tee ']], rules: [] })).toThrow(ChorusError);
    expect(
      normaliseSynonyms({
        groups: [['  hooded   top ', 'hoodie', 'HOODIE']],
        rules: [{ from: ['Sneakers', 'sneakers'], to: ['shoes'] }],
      }),
    ).toEqual({
      groups: [['hooded top', 'hoodie']],
      rules: [{ from: ['Sneakers'], to: ['shoes'] }],
    });
  });
});

describe('KvSynonyms', () => {
  it('stores groups in chorus.db; another connection’s change applies at its next query', () => {
    const dir = tempDir();
    const a: ChorusDb = openChorusDb(dir);
    const b: ChorusDb = openChorusDb(dir);
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    const mine = new KvSynonyms(a.kv);
    const theirs = new KvSynonyms(b.kv);
    expect(theirs.expand('c', 'sofa').added).toEqual([]);
    const groups = (g: string[][]) => ({ groups: g, rules: [] });
    expect(mine.replace('c', groups([['sofa', 'couch', 'Couch']]))).toEqual(
      groups([['sofa', 'couch']]),
    );
    expect(theirs.expand('c', 'sofa').added).toEqual(['couch']);
    expect(theirs.get('c')).toEqual(groups([['sofa', 'couch']]));
    mine.replace('c', groups([['sofa', 'settee']]));
    expect(theirs.expand('c', 'sofa').added).toEqual(['settee']);
    // An expression without a searchable word is refused and nothing stored changes.
    expect(() => mine.replace('c', groups([['sofa', 'of the']]))).toThrow(/no searchable word/);
    expect(theirs.get('c')).toEqual(groups([['sofa', 'settee']]));
    mine.replace('c', groups([]));
    expect(theirs.expand('c', 'sofa').added).toEqual([]);
    mine.replace('c', { groups: [], rules: [{ from: ['sofa'], to: ['couch'] }] });
    expect(theirs.expand('c', 'sofa').added).toEqual(['couch']);
    expect(theirs.expand('c', 'couch').added).toEqual([]);
    mine.drop('c');
    expect(theirs.get('c')).toEqual(groups([]));
  });
});

describe('BM25 with synonyms', () => {
  const DOCS = [
    { id: 'shirt', text: 'cotton t-shirt' },
    { id: 'teal', text: 'teal cotton scarf' },
    { id: 'hoodia', text: 'hoodia extract' },
  ];
  it('scores the added terms as the query’s own, and never corrects a word a synonym matched', async () => {
    for (const threaded of [false, true]) {
      const i = new Bm25Index(path.join(tempDir(), 'lexical.sqlite'));
      closers.push(() => i.close());
      await i.upsert('c', DOCS);
      if (threaded) {
        i.useReadThread({ minDocs: 1 });
        expect(await i.readThreadReady()).toBe(true);
      }
      const m = new SynonymMatcher({
        groups: [
          ['tee', 't-shirt'],
          ['hoodie', 'hooded sweatshirt'],
        ],
        rules: [],
      });
      const ids = async (q: string) =>
        (await i.searchAsync('c', q, 10, { expand: m.expand(q) })).map((h) => h.id);
      expect(await ids('cotton tee')).toEqual(['shirt', 'teal']);
      // "hoodie" is unknown here: without the synonym typo tolerance reads it as "hoodia"; a synonym's word stays as typed.
      expect((await i.searchAsync('c', 'hoodie', 10)).map((h) => h.id)).toEqual(['hoodia']);
      expect(await ids('hoodie')).toEqual([]);
      // Scored once each: the expansion of a query holding both sides adds nothing.
      const both = await i.searchAsync('c', 'tee t-shirt', 10, { expand: m.expand('tee t-shirt') });
      expect(both).toEqual(await i.searchAsync('c', 'tee t-shirt', 10));
      if (threaded) expect(i.threadSearches).toBeGreaterThan(0);
    }
  });
});
