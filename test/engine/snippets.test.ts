import { describe, expect, it } from 'vitest';
import { printRanked } from '../../src/cli/commands/result-printer.js';
import type { RankedResponse } from '../../src/engine/two-stage.js';
import { snippetWindow } from '../../src/engine/snippets.js';

const spansOf = (text: string, word: string): [number, number][] => {
  const out: [number, number][] = [];
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1))
    out.push([i, i + word.length]);
  return out;
};

describe('snippet windows', () => {
  const filler = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

  it('a short text is shown whole; a long one from its start when nothing matched', () => {
    expect(snippetWindow('walnut lamp', [[0, 6]], 40)).toEqual([0, 11]);
    const long = filler(40);
    const [s, e] = snippetWindow(long, [], 30);
    expect(s).toBe(0);
    expect(e).toBeLessThanOrEqual(30);
    expect(long[e]).toBe(' '); // ends before a space, not in a word
  });

  it('holds as many matches as fit, with context before them, cut at word boundaries', () => {
    const text = `${filler(30)} walnut lamp ${filler(5)} walnut ${filler(30)}`;
    const spans = [...spansOf(text, 'walnut'), ...spansOf(text, 'lamp')].sort(
      (a, b) => a[0] - b[0],
    );
    const [s, e] = snippetWindow(text, spans, 80);
    expect(e - s).toBeLessThanOrEqual(80);
    const shown = text.slice(s, e);
    expect(shown.match(/walnut/g)).toHaveLength(2);
    expect(shown).toContain('lamp');
    expect(text[s - 1]).toBe(' '); // starts at a word
    expect(text[e]).toBe(' '); // ends at one
    expect(shown.indexOf('walnut')).toBeGreaterThan(0); // some context first
  });

  it('never splits a surrogate pair', () => {
    const text = `${'😀'.repeat(30)} lamp ${'😀'.repeat(30)}`;
    const [s, e] = snippetWindow(text, spansOf(text, 'lamp'), 21);
    expect(text.slice(s, e)).toContain('lamp');
    // No lone surrogate at either end.
    expect(/\p{Cs}/u.test(text.slice(s, e))).toBe(false);
  });

  it('the CLI prints a snippet line with the matches in brackets and ellipses where the text goes on', () => {
    const body = `${filler(20)} a walnut lamp here ${filler(20)}`;
    const r = {
      queryId: 'q',
      collection: 'c',
      ranker: { name: 'rrf', version: 'rrf' },
      sources: ['bm25'],
      notes: [],
      timings: {},
      hits: [
        {
          id: 'i1',
          score: 1,
          payload: { title: 'Lamp', text: body },
          explanation: { scores: {}, shares: {}, ranks: {} },
          highlights: {
            text: [...spansOf(body, 'walnut'), ...spansOf(body, 'lamp')].sort(
              (a, b) => a[0] - b[0],
            ),
          },
          snippets: { text: snippetWindow(body, spansOf(body, 'walnut'), 40) },
        },
      ],
    } as RankedResponse;
    let out = '';
    printRanked(r, {
      write: (s: string) => ((out += s), true),
    } as unknown as NodeJS.WritableStream);
    expect(out).toMatch(/\n {7}text: ….*\[walnut\] \[lamp\].*…\n/);
  });
});
