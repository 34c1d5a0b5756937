import { describe, expect, it } from 'vitest';
import { analyze, matchSpans } from '../../src/lexical/analyzer.js';

const marked = (query: string, text: string) =>
  matchSpans(query, text).map(([a, b]) => text.slice(a, b));

describe('matchSpans: where a text holds the query terms, as BM25 analyzes them', () => {
  it('matches by stem and case, skips stop words, in order', () => {
    expect(marked('running lamps', 'A Lamp for the runner; RUNS and lamps running.')).toEqual([
      'Lamp',
      'RUNS',
      'lamps',
      'running',
    ]);
    // Every marked word is a term of the query to the index.
    const terms = new Set(analyze('running lamps'));
    for (const w of marked('running lamps', 'Lamp runs lamps running'))
      expect(terms.has(analyze(w)[0]!)).toBe(true);
    expect(marked('the and of', 'the cat and the hat')).toEqual([]);
    expect(marked('', 'anything')).toEqual([]);
  });

  it('offsets index the text as given, in UTF-16 units, even where NFKC would move them', () => {
    // The ligature ﬁ (one code unit) is "fi" to the index; the emoji before it is two code units.
    const text = '😀 ﬁle Café 日本 don’t';
    expect(marked('file cafe', text)).toEqual(['ﬁle']);
    expect(marked('café', text)).toEqual(['Café']);
    expect(marked('日本', text)).toEqual(['日本']);
    expect(marked("don't", text)).toEqual(['don’t']);
    expect(matchSpans('file', text)).toEqual([[3, 6]]);
  });

  it('reports at most 100 spans of a long field', () => {
    expect(matchSpans('lamp', 'lamp '.repeat(500))).toHaveLength(100);
  });
});
