import { stem } from './porter2.js';

/**
 * The analyzer BM25 indexes and queries with: NFKC, Unicode word tokens (letters, marks, digits,
 * inner apostrophes), lowercase, Lucene's English stop set (the set Elasticsearch's `english`
 * analyzer, used by the BEIR BM25 baseline, drops), then the Porter2 stemmer.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'for',
  'if',
  'in',
  'into',
  'is',
  'it',
  'no',
  'not',
  'of',
  'on',
  'or',
  'such',
  'that',
  'the',
  'their',
  'then',
  'there',
  'these',
  'they',
  'this',
  'to',
  'was',
  'will',
  'with',
]);

const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}]+)*/gu;
/** Very long tokens are noise (base64, hashes) and bloat the index. */
const MAX_TOKEN_LENGTH = 64;

export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(TOKEN)) {
    const t = m[0].replace(/’/g, "'");
    if (t.length <= MAX_TOKEN_LENGTH) out.push(t);
  }
  return out;
}

/**
 * Stems of recent tokens: word frequencies are Zipfian, so most tokens repeat and stemming (most of the cost
 * of indexing) runs once per distinct word. Cleared when full rather than evicting one by one.
 */
const STEM_CACHE_MAX = 200_000;
const stems = new Map<string, string>();

function stemCached(token: string): string {
  let s = stems.get(token);
  if (s === undefined) {
    if (stems.size >= STEM_CACHE_MAX) stems.clear();
    s = stem(token);
    stems.set(token, s);
  }
  return s;
}

/** A token's index term, or undefined for a stop word. Non-Latin tokens stay unstemmed (the stemmer is English). */
function termOf(token: string): string | undefined {
  if (ENGLISH_STOP_WORDS.has(token)) return undefined;
  const term = /^[a-z']+$/.test(token) ? stemCached(token) : token;
  return term.length > 0 && term !== "'" ? term : undefined;
}

/** Tokens -> index terms (the indexing path: no pair per token). */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const token of tokenize(text)) {
    const term = termOf(token);
    if (term !== undefined) terms.push(term);
  }
  return terms;
}

/** Index terms with the token each came from (typo correction compares both with the vocabulary). */
export function analyzeTokens(text: string): [term: string, token: string][] {
  const out: [string, string][] = [];
  for (const token of tokenize(text)) {
    const term = termOf(token);
    if (term !== undefined) out.push([term, token]);
  }
  return out;
}

/** Spans one field may report (a long text matching a common word everywhere need not list them all). */
const MAX_SPANS = 100;

/**
 * Where `text` holds a token whose index term is one of the query's: `[start, end)` in UTF-16 code units of `text`
 * as given (what JavaScript's `slice` takes), in order, at most MAX_SPANS. Tokens are found on the text as given and
 * each is normalised, lowercased, stop-listed and stemmed as `analyze` does, so the offsets point into the original
 * string (NFKC of the whole text could move them). `also`: more index terms to mark (typo corrections).
 */
export function matchSpans(
  query: string,
  text: string,
  also: readonly string[] = [],
): [number, number][] {
  const terms = new Set([...analyze(query), ...also]);
  const out: [number, number][] = [];
  if (terms.size === 0) return out;
  for (const m of text.matchAll(TOKEN)) {
    const token = m[0].normalize('NFKC').toLowerCase().replace(/’/g, "'");
    if (token.length > MAX_TOKEN_LENGTH) continue;
    const term = termOf(token);
    if (term === undefined || !terms.has(term)) continue;
    out.push([m.index, m.index + m[0].length]);
    if (out.length >= MAX_SPANS) break;
  }
  return out;
}

/**
 * Whether a text holds a phrase: its words in order, next to each other, compared as indexed (same tokens, stop
 * words, stems: "red dresses" holds "Red dress"). A stop word in the phrase holds its place for any word, as
 * Lucene's stop filter leaves a position gap ("bank of america" also holds "bank for america"). Undefined when the
 * phrase has no searchable word (stop words only).
 */
export function phraseMatcher(phrase: string): ((text: string) => boolean) | undefined {
  const want: { at: number; term: string }[] = [];
  tokenize(phrase).forEach((token, i) => {
    const term = termOf(token);
    if (term !== undefined) want.push({ at: i, term });
  });
  if (want.length === 0) return undefined;
  const first = want[0]!.at;
  for (const w of want) w.at -= first;
  const span = want[want.length - 1]!.at + 1;
  return (text) => {
    const terms = tokenize(text).map(termOf);
    next: for (let i = 0; i + span <= terms.length; i++) {
      for (const w of want) if (terms[i + w.at] !== w.term) continue next;
      return true;
    }
    return false;
  };
}

/** Term frequencies of an analyzed text. */
export function termFrequencies(text: string): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of analyze(text)) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}
