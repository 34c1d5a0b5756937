import { describe, expect, it } from 'vitest';
import {
  excludedBy,
  countSuggestions,
  suggestionKey,
  suggestionPrefix,
  SuggestionIndex,
  type LoggedSearch,
} from '../../src/domain/query-suggestions.js';

const by = (query: string, users: string[], found = true): LoggedSearch[] =>
  users.map((userId) => ({ query, userId, found }));

describe('query suggestions', () => {
  it('count a query once enough distinct users searched it and found something', () => {
    const counted = countSuggestions(
      [
        ...by('Walnut Lamp', ['a', 'b', 'c']),
        ...by('walnut lamp!', ['a']), // same words: the same query, the same user
        ...by('walnut table', ['a', 'a', 'a', 'a']), // one user, many times
        ...by('walnut chair', ['a', 'b']),
        ...by('walnut bed', ['a', 'b', 'c'], false), // found nothing
        { query: 'walnut desk', found: true }, // no user: a search, never a user
        ...by('walnut desk', ['a', 'b', 'c']),
      ],
      3,
    );
    expect(counted.sort((x, y) => x.query.localeCompare(y.query))).toEqual([
      { query: 'walnut desk', users: 3, searches: 4 },
      { query: 'walnut lamp', users: 3, searches: 4 },
    ]);
  });

  it('leave out queries with operators, no words, or too long to be typed', () => {
    expect(suggestionKey('Red  DRESS')).toBe('red dress');
    expect(suggestionKey('"red dress"')).toBeUndefined();
    expect(suggestionKey('dress -leather')).toBeUndefined();
    expect(suggestionKey('t-shirt')).toBe('t shirt');
    expect(suggestionKey('?!')).toBeUndefined();
    expect(suggestionKey('a b c d e f g h i')).toBeUndefined();
    expect(suggestionKey('x'.repeat(81))).toBeUndefined();
  });

  it('read what is typed as words, a trailing separator as the end of the last word', () => {
    expect(suggestionPrefix('Wal')).toBe('wal');
    expect(suggestionPrefix('walnut ')).toBe('walnut ');
    expect(suggestionPrefix('  ')).toBe('');
  });

  it('offer the best suggestions that start with the prefix', () => {
    const index = new SuggestionIndex([
      { query: 'walnut lamp', users: 5, searches: 9 },
      { query: 'walnuts', users: 9, searches: 9 },
      { query: 'walnut table', users: 5, searches: 12 },
      { query: 'wall clock', users: 20, searches: 20 },
      { query: 'oak chair', users: 50, searches: 50 },
      { query: 'walnut', users: 3, searches: 3 },
    ]);
    const q = (p: string, n = 10) => index.lookup(suggestionPrefix(p), n).map((s) => s.query);
    expect(q('wal')).toEqual(['wall clock', 'walnuts', 'walnut table', 'walnut lamp', 'walnut']);
    expect(q('walnut')).toEqual(['walnuts', 'walnut table', 'walnut lamp', 'walnut']);
    expect(q('walnut ')).toEqual(['walnut table', 'walnut lamp']);
    expect(q('WALNUT T')).toEqual(['walnut table']);
    expect(q('wal', 2)).toEqual(['wall clock', 'walnuts']);
    expect(q('zebra')).toEqual([]);
    // Nothing typed yet: the most searched overall.
    expect(q('', 3)).toEqual(['oak chair', 'wall clock', 'walnuts']);
    expect(q('  ', 1)).toEqual(['oak chair']);
  });

  it('leave out suggestions holding an excluded word or phrase, its words in a row', () => {
    const skip = excludedBy(['Casino', 'free  money!']);
    expect(skip('online casino games')).toBe(true);
    expect(skip('free money now')).toBe(true);
    expect(skip('money free')).toBe(false);
    expect(skip('casinos')).toBe(false); // no stemming: exclude each form
    expect(excludedBy([])('anything')).toBe(false);
    const index = new SuggestionIndex([
      { query: 'walnut casino', users: 9, searches: 9 },
      { query: 'walnut lamp', users: 5, searches: 5 },
    ]);
    expect(index.lookup('walnut', 5, skip).map((s) => s.query)).toEqual(['walnut lamp']);
    expect(index.lookup('', 1, skip).map((s) => s.query)).toEqual(['walnut lamp']);
  });
});
