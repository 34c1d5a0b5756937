import { describe, expect, it } from 'vitest';
import { MAX_QUERY_OPERATORS, parseQuerySyntax } from '../../src/domain/query-syntax.js';
import { ChorusError } from '../../src/errors.js';
import { phraseMatcher } from '../../src/lexical/analyzer.js';

describe('query operators', () => {
  it('reads quoted phrases (straight or curly) and -exclusions; the lists search the rest', () => {
    expect(parseQuerySyntax('"red dress" cotton')).toEqual({
      text: 'red dress cotton',
      phrases: ['red dress'],
      excluded: [],
    });
    expect(parseQuerySyntax('“summer sale” shoes -sandals')).toEqual({
      text: 'summer sale shoes',
      phrases: ['summer sale'],
      excluded: ['sandals'],
    });
    expect(parseQuerySyntax('coat -"faux fur" -leather warm')).toEqual({
      text: 'coat warm',
      phrases: [],
      excluded: ['faux fur', 'leather'],
    });
  });

  it('leaves text without operators as it was: hyphens inside words, unpaired quotes', () => {
    for (const q of ['t-shirt blue', '12" pizza', 'red dress', 'a - b', '""'])
      expect(parseQuerySyntax(q)).toEqual({ text: q, phrases: [], excluded: [] });
  });

  it('refuses more operators than it checks per candidate', () => {
    const many = Array.from({ length: MAX_QUERY_OPERATORS + 1 }, (_, i) => `-w${i}`).join(' ');
    expect(() => parseQuerySyntax(`shoes ${many}`)).toThrow(ChorusError);
  });
});

describe('phrase matching', () => {
  it('holds the words in order and adjacent, compared as indexed (case, stems)', () => {
    const m = phraseMatcher('red dress')!;
    expect(m('A Red Dresses sale')).toBe(true);
    expect(m('dress, red')).toBe(false);
    expect(m('red summer dress')).toBe(false);
    expect(m('red')).toBe(false);
  });

  it('lets a stop word in the phrase hold its place for any word; stop words alone are no phrase', () => {
    const m = phraseMatcher('bank of america')!;
    expect(m('Bank of America')).toBe(true);
    expect(m('bank for america')).toBe(true);
    expect(m('bank america')).toBe(false);
    expect(phraseMatcher('of the')).toBeUndefined();
  });
});
