import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyze, tokenize } from '../../src/lexical/analyzer.js';
import { Bm25Index } from '../../src/lexical/bm25-index.js';
import { stem } from '../../src/lexical/porter2.js';

describe('Porter2 stemmer', () => {
  // From the Snowball English vocabulary / output files.
  const vocabulary: Record<string, string> = {
    consign: 'consign',
    consigned: 'consign',
    consistency: 'consist',
    consolatory: 'consolatori',
    constancy: 'constanc',
    knackeries: 'knackeri',
    knightly: 'knight',
    knives: 'knive',
    generously: 'generous',
    happiness: 'happi',
    running: 'run',
    cities: 'citi',
    caresses: 'caress',
    ponies: 'poni',
    ties: 'tie',
    hopping: 'hop',
    hoping: 'hope',
    relational: 'relat',
    conditional: 'condit',
    hopefulness: 'hope',
    sensibiliti: 'sensibl',
    electrical: 'electr',
    communication: 'communic',
    dying: 'die',
    news: 'news',
    "kid's": 'kid',
    succeeding: 'succeed',
    agreed: 'agre',
    aerodynamically: 'aerodynam',
    proteins: 'protein',
  };
  it.each(Object.entries(vocabulary))('%s -> %s', (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
});

describe('analyzer', () => {
  it('tokenizes Unicode text, lowercases, drops stop words and stems', () => {
    expect(tokenize('Café CRÈME, naïve—résumé 42 ünïcode')).toEqual([
      'café',
      'crème',
      'naïve',
      'résumé',
      '42',
      'ünïcode',
    ]);
    expect(analyze('The runners were running into the cities')).toEqual([
      'runner',
      'were',
      'run',
      'citi',
    ]);
    expect(analyze('東京 の 天気')).toEqual(['東京', 'の', '天気']);
  });
});

describe('Bm25Index', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'chorus-bm25-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const docs = [
    { id: 'a', text: 'red summer dress with flowers' },
    { id: 'b', text: 'blue winter coat' },
    { id: 'c', text: 'red red red shoes' },
    {
      id: 'd',
      text: 'a long text about many things including one dress among many other words and items',
    },
  ];

  it('scores with k1=1.2, b=0.75 and Lucene idf', () => {
    const idx = new Bm25Index(path.join(dir, 'lex.sqlite'));
    idx.upsert('c1', docs);
    const hits = idx.search('c1', 'dress', 10);
    expect(hits.map((h) => h.id)).toEqual(['a', 'd']);
    // Hand-computed: N=4, df=1... dress appears in a and d => df=2.
    const lengths = { a: 4, b: 3, c: 4, d: 13 }; // analyzed lengths (stop words removed)
    const avgdl = (lengths.a + lengths.b + lengths.c + lengths.d) / 4;
    const idf = Math.log(1 + (4 - 2 + 0.5) / (2 + 0.5));
    const expectA = (idf * 2.2) / (1 + 1.2 * (1 - 0.75 + (0.75 * lengths.a) / avgdl));
    expect(analyze(docs[3]!.text)).toHaveLength(lengths.d);
    expect(hits[0]!.score).toBeCloseTo(expectA, 10);
    // Term frequency saturates but still counts.
    expect(idx.search('c1', 'red', 10).map((h) => h.id)).toEqual(['c', 'a']);
    idx.close();
  });

  it('persists, updates and deletes incrementally', () => {
    const file = path.join(dir, 'lex.sqlite');
    const idx = new Bm25Index(file);
    idx.upsert('c1', docs);
    idx.upsert('c1', [{ id: 'b', text: 'blue summer dress' }]);
    idx.delete('c1', ['a']);
    idx.upsert('c2', [{ id: 'x', text: 'dress' }]);
    idx.close();

    const reopened = new Bm25Index(file);
    expect(reopened.count('c1')).toBe(3);
    expect(reopened.search('c1', 'dresses', 10).map((h) => h.id)).toEqual(['b', 'd']);
    expect(reopened.search('c1', 'coat', 10)).toEqual([]);
    expect(reopened.search('c1', 'dress', 10, { exclude: ['b'] }).map((h) => h.id)).toEqual(['d']);
    expect(reopened.search('c1', 'dress', 10, { only: ['b', 'a', 'zz'] }).map((h) => h.id)).toEqual(
      ['b'],
    );
    expect(reopened.search('c1', 'dress', 10, { only: [] })).toEqual([]);
    reopened.dropCollection('c1');
    expect(reopened.count('c1')).toBe(0);
    expect(reopened.count('c2')).toBe(1);
    reopened.close();
  });

  it('repeated queries (served from decoded postings kept in memory) answer as a cold index does through own and foreign writes', () => {
    const file = path.join(dir, 'cached.sqlite');
    const warm = new Bm25Index(file);
    const other = new Bm25Index(file);
    const words = ['dress', 'red', 'coat', 'blue', 'shoes', 'summer', 'winter', 'flowers'];
    const text = (i: number) =>
      Array.from({ length: 3 + (i % 5) }, (_, j) => words[(i * 7 + j * j) % words.length]).join(
        ' ',
      );
    warm.upsert(
      'c',
      Array.from({ length: 400 }, (_, i) => ({ id: `d${i}`, text: text(i) })),
    );
    const queries = ['dress', 'red coat', 'blue shoes summer', 'winter flowers dress'];
    const check = () => {
      const cold = new Bm25Index(file);
      for (const q of queries) {
        warm.search('c', q, 20); // again after a change: any stale cached read would show
        expect(warm.search('c', q, 20)).toEqual(cold.search('c', q, 20));
      }
      cold.close();
    };
    check();
    warm.upsert('c', [{ id: 'd3', text: 'dress dress dress red' }]); // own rewrite
    check();
    warm.delete('c', ['d10', 'd11']);
    check();
    other.upsert('c', [{ id: 'n1', text: 'blue blue shoes coat' }]); // another connection's commit
    other.delete('c', ['d5']);
    check();
    warm.close();
    other.close();
  });

  it('sees writes made by another process on its next query', () => {
    const file = path.join(dir, 'shared.sqlite');
    const server = new Bm25Index(file);
    const indexer = new Bm25Index(file);
    server.upsert('c', [{ id: 'a', text: 'alpha dress' }]);
    expect(server.search('c', 'dress', 10).map((h) => h.id)).toEqual(['a']);
    indexer.upsert('c', [{ id: 'b', text: 'beta dress dress' }]);
    indexer.delete('c', ['a']);
    expect(server.search('c', 'dress', 10).map((h) => h.id)).toEqual(['b']);
    expect(server.count('c')).toBe(1);
    server.close();
    indexer.close();
  });
});
