import { ChorusError } from '../errors.js';

/** A text query's operators, as search boxes take them (Meilisearch, Typesense, Google). */
export interface QuerySyntax {
  /** What the lists search: the words and the phrases' words, without quotes and without excluded words. */
  text: string;
  /** "red dress": every hit holds these words in this order, next to each other. */
  phrases: string[];
  /** -leather, -"faux fur": no hit holds these. */
  excluded: string[];
}

/** Quoted phrases and exclusions one query may hold (each is checked on every candidate's text). */
export const MAX_QUERY_OPERATORS = 16;

const QUOTE = /["“”„]/u;

/**
 * Reads `"a phrase"` (straight or curly quotes, paired in order; an unpaired quote is only a character, as in
 * `12" pizza`) and `-word` / `-"a phrase"` (a minus starting a word: "t-shirt" is a word). Text without operators
 * comes back as it was.
 */
export function parseQuerySyntax(input: string): QuerySyntax {
  // Most queries have neither: one scan answers them.
  if (!/["“”„]|(?:^|\s)-/u.test(input)) return { text: input, phrases: [], excluded: [] };
  const quotes: number[] = [];
  for (let i = 0; i < input.length; i++) if (QUOTE.test(input[i]!)) quotes.push(i);
  const spans: { start: number; end: number; inner: string }[] = [];
  for (let q = 0; q + 1 < quotes.length; q += 2)
    spans.push({
      start: quotes[q]!,
      end: quotes[q + 1]!,
      inner: input.slice(quotes[q]! + 1, quotes[q + 1]!),
    });
  const kept: string[] = [];
  const phrases: string[] = [];
  const excluded: string[] = [];
  const words = (s: string) => {
    for (const w of s.split(/\s+/)) {
      if (!w) continue;
      const m = /^-+(.+)$/u.exec(w);
      if (m) excluded.push(m[1]!);
      else kept.push(w);
    }
  };
  let at = 0;
  for (const span of spans) {
    let before = input.slice(at, span.start);
    // A minus right before the opening quote, starting a word, excludes the phrase.
    const negated = /(^|\s)-+$/u.test(before);
    if (negated) before = before.replace(/-+$/u, '');
    words(before);
    const inner = span.inner.trim();
    if (inner) {
      if (negated) excluded.push(inner);
      else {
        phrases.push(inner);
        kept.push(inner);
      }
    }
    at = span.end + 1;
  }
  words(input.slice(at));
  if (phrases.length + excluded.length === 0) return { text: input, phrases, excluded };
  if (phrases.length + excluded.length > MAX_QUERY_OPERATORS)
    throw new ChorusError(
      'VALIDATION',
      `a query takes at most ${MAX_QUERY_OPERATORS} quoted phrases and -exclusions together`,
    );
  return { text: kept.join(' '), phrases, excluded };
}
