import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { LEXICAL_LANGUAGES } from '../../src/domain/lexical-languages.js';
import { analyze, analyzerFor } from '../../src/lexical/analyzer.js';
import { Bm25Index } from '../../src/lexical/bm25-index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('BM25 analyzers per language', () => {
  it('French: its stop words go, plural and singular meet, accents fold as its stemmer folds them', () => {
    const fr = analyzerFor('french');
    expect(fr.analyze('Les chevaux de la ferme')).toEqual(fr.analyze('cheval ferme'));
    expect(fr.analyze('les de la')).toEqual([]);
    expect(fr.analyze('bibliothèques')).toEqual(fr.analyze('bibliothèque'));
    // English reads them as other words: the language matters.
    expect(analyze('chevaux')).not.toEqual(analyze('cheval'));
  });

  it('German, Spanish and Russian stem their own words (Cyrillic too); digits stay as written', () => {
    const de = analyzerFor('german');
    expect(de.analyze('Häuser')).toEqual(de.analyze('Haus'));
    const es = analyzerFor('spanish');
    expect(es.analyze('las canciones')).toEqual(es.analyze('canción'));
    const ru = analyzerFor('russian');
    expect(ru.analyze('книги')).toEqual(ru.analyze('книга'));
    expect(ru.analyze('2024')).toEqual(['2024']);
  });

  it("'none' keeps every word as written (lowercased); English is the analyzer it always was", () => {
    expect(analyzerFor('none').analyze('The Running dogs')).toEqual(['the', 'running', 'dogs']);
    expect(analyzerFor('english').analyze('The Running dogs')).toEqual(analyze('The Running dogs'));
    expect(analyze('The Running dogs')).toEqual(['run', 'dog']);
  });

  it('every listed language loads, and highlights and phrases follow the language', () => {
    for (const l of LEXICAL_LANGUAGES) expect(analyzerFor(l).language).toBe(l);
    const fr = analyzerFor('french');
    expect(fr.matchSpans('cheval', 'Deux chevaux blancs')).toEqual([[5, 12]]);
    expect(fr.phraseMatcher('chevaux blancs')!('un cheval blanc')).toBe(true);
    expect(fr.phraseMatcher('les de')).toBeUndefined();
  });
});

describe('languages written without spaces', () => {
  it('Chinese, Japanese and Thai text is split into words by ICU; highlights mark the words where they stand', () => {
    const zh = analyzerFor('chinese');
    expect(zh.analyze('北京大学的图书馆')).toEqual(['北京', '大学', '图书', '馆']);
    expect(zh.analyze('图书馆')).toEqual(['图书', '馆']); // the query splits as the document did
    expect(zh.matchSpans('图书馆', '北京大学的图书馆很大')).toEqual([
      [5, 7],
      [7, 8],
    ]);
    // The default analyzer reads a run of Han characters as one word, so a part of it never matches.
    expect(analyze('北京大学的图书馆')).toEqual(['北京大学的图书馆']);
    const ja = analyzerFor('japanese');
    expect(ja.analyze('東京の図書館で本を読みます')).toEqual(
      expect.arrayContaining(['東京', '図書館', '本']),
    );
    expect(analyzerFor('thai').analyze('ฉันชอบอ่านหนังสือ')).toContain('หนังสือ');
    expect(ja.phraseMatcher('図書館で本')!('東京の図書館で本を読みます')).toBe(true);
  });

  it('a Chinese collection finds a word inside a sentence', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-lang-zh-'));
    dirs.push(dir);
    const index = new Bm25Index(path.join(dir, 'lexical.sqlite'));
    await index.setLanguage('zh', 'chinese');
    await index.upsert('zh', [
      { id: 'lib', text: '我喜欢在图书馆看书' },
      { id: 'uni', text: '北京大学很大' },
    ]);
    expect(index.search('zh', '图书馆', 5).map((h) => h.id)).toEqual(['lib']);
    expect(index.search('zh', '大学', 5).map((h) => h.id)).toEqual(['uni']);
    await index.close();
  });
});

describe('Bm25Index language', () => {
  it('is recorded per collection, survives a reopen, and analyzes writes and queries', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-lang-'));
    dirs.push(dir);
    const file = path.join(dir, 'lexical.sqlite');
    const a = new Bm25Index(file);
    expect(a.language('fr')).toBe('english');
    await a.setLanguage('fr', 'french');
    await a.upsert('fr', [{ id: 'x', text: 'Les chevaux de la ferme' }]);
    await a.upsert('en', [{ id: 'y', text: 'Les chevaux de la ferme' }]);
    expect(a.search('fr', 'cheval', 5).map((h) => h.id)).toEqual(['x']);
    expect(a.search('en', 'cheval', 5)).toEqual([]);
    // 'les' is a French stop word, not an English one.
    expect(a.search('fr', 'les', 5)).toEqual([]);
    expect(a.search('en', 'les', 5).map((h) => h.id)).toEqual(['y']);
    await expect(a.setLanguage('fr', 'klingon' as never)).rejects.toThrow(/klingon/);
    await a.close();
    const b = new Bm25Index(file);
    expect(b.language('fr')).toBe('french');
    expect(b.language('en')).toBe('english');
    expect(b.search('fr', 'chevaux', 5).map((h) => h.id)).toEqual(['x']);
    await b.dropCollection('fr');
    expect(b.language('fr')).toBe('english');
    await b.close();
  });

  it('opens an index file from before languages were recorded (its collections read as English)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-lang-old-'));
    dirs.push(dir);
    const file = path.join(dir, 'lexical.sqlite');
    const old = new Database(file);
    old.exec(`CREATE TABLE lex_collections (
      name TEXT PRIMARY KEY, cid INTEGER NOT NULL UNIQUE, docs INTEGER NOT NULL, total_length INTEGER NOT NULL,
      next_num INTEGER NOT NULL);
      INSERT INTO lex_collections VALUES ('shop', 1, 0, 0, 1);`);
    old.close();
    const index = new Bm25Index(file);
    expect(index.language('shop')).toBe('english');
    await index.upsert('shop', [{ id: 'a', text: 'running dogs' }]);
    expect(index.search('shop', 'dog', 5).map((h) => h.id)).toEqual(['a']);
    await index.setLanguage('shop', 'none');
    expect(index.language('shop')).toBe('none');
    await index.close();
  });
});
