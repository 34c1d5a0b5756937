/**
 * The languages BM25 can analyze text in: each has its stop words and Snowball stemmer ('english': Lucene's stop
 * set and Porter2, as before languages existed); Chinese, Japanese, Korean and Thai are split into words by ICU's
 * dictionaries (no stemming). 'none' only splits, normalises and lowercases words, for text in any other language
 * (no stemming, no stop words).
 */
export const LEXICAL_LANGUAGES = [
  'english',
  'none',
  'danish',
  'dutch',
  'finnish',
  'french',
  'german',
  'hungarian',
  'italian',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'spanish',
  'swedish',
  'turkish',
  'chinese',
  'japanese',
  'korean',
  'thai',
] as const;

export type LexicalLanguage = (typeof LEXICAL_LANGUAGES)[number];

export const DEFAULT_LEXICAL_LANGUAGE: LexicalLanguage = 'english';

export function isLexicalLanguage(v: unknown): v is LexicalLanguage {
  return (LEXICAL_LANGUAGES as readonly unknown[]).includes(v);
}
