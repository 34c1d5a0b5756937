import { createRequire } from 'node:module';
import {
  DEFAULT_LEXICAL_LANGUAGE,
  isLexicalLanguage,
  type LexicalLanguage,
} from '../domain/lexical-languages.js';
import { stem } from './porter2.js';

/**
 * English's stop words: Lucene's English stop set (the set Elasticsearch's `english` analyzer, used by the BEIR
 * BM25 baseline, drops); English words are then stemmed by Porter2.
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

/** Spans one field may report (a long text matching a common word everywhere need not list them all). */
const MAX_SPANS = 100;

interface LanguageRules {
  stopWords: ReadonlySet<string>;
  /** Scripts written without spaces between words: ICU's dictionary word breaks (Intl.Segmenter) find them. */
  segmenter?: Intl.Segmenter;
  stem?: (token: string) => string;
  /** Which tokens the stemmer reads (English: Latin letters only, so other scripts stay as written). */
  stems: (token: string) => boolean;
}

/**
 * How BM25 turns text into terms in one language: NFKC, Unicode word tokens (letters, marks, digits, inner
 * apostrophes), lowercase, the language's stop words dropped, then its stemmer. Indexing, queries, highlights,
 * phrases and synonyms of a collection all go through its one analyzer, so they agree on what a word is.
 */
export class Analyzer {
  private readonly stemCache = new Map<string, string>();

  constructor(
    readonly language: LexicalLanguage,
    private readonly rules: LanguageRules,
  ) {}

  /** The text's word tokens, normalised and lowercased (what index terms are made from). */
  tokenize(text: string): string[] {
    const segmenter = this.rules.segmenter;
    if (!segmenter) return tokenize(text);
    const out: string[] = [];
    for (const s of segmenter.segment(text.normalize('NFKC').toLowerCase()))
      if (s.isWordLike && s.segment.length <= MAX_TOKEN_LENGTH) out.push(s.segment);
    return out;
  }

  /** Word tokens of the text as given, with where each stands ([start, end) in UTF-16 units). */
  private *located(text: string): Generator<[token: string, start: number, end: number]> {
    const segmenter = this.rules.segmenter;
    if (segmenter) {
      for (const s of segmenter.segment(text))
        if (s.isWordLike) yield [s.segment, s.index, s.index + s.segment.length];
      return;
    }
    for (const m of text.matchAll(TOKEN)) yield [m[0], m.index, m.index + m[0].length];
  }

  /** A token's index term, or undefined for a stop word. */
  termOf(token: string): string | undefined {
    if (this.rules.stopWords.has(token)) return undefined;
    const term = this.rules.stem && this.rules.stems(token) ? this.stemCached(token) : token;
    return term.length > 0 && term !== "'" ? term : undefined;
  }

  private stemCached(token: string): string {
    let s = this.stemCache.get(token);
    if (s === undefined) {
      if (this.stemCache.size >= STEM_CACHE_MAX) this.stemCache.clear();
      s = this.rules.stem!(token);
      this.stemCache.set(token, s);
    }
    return s;
  }

  /** Tokens -> index terms (the indexing path: no pair per token). */
  analyze(text: string): string[] {
    const terms: string[] = [];
    for (const token of this.tokenize(text)) {
      const term = this.termOf(token);
      if (term !== undefined) terms.push(term);
    }
    return terms;
  }

  /** Index terms with the token each came from (typo correction compares both with the vocabulary). */
  analyzeTokens(text: string): [term: string, token: string][] {
    const out: [string, string][] = [];
    for (const token of this.tokenize(text)) {
      const term = this.termOf(token);
      if (term !== undefined) out.push([term, token]);
    }
    return out;
  }

  /** Term frequencies of an analyzed text. */
  termFrequencies(text: string): Map<string, number> {
    const tf = new Map<string, number>();
    for (const t of this.analyze(text)) tf.set(t, (tf.get(t) ?? 0) + 1);
    return tf;
  }

  /**
   * Where `text` holds a token whose index term is one of the query's: `[start, end)` in UTF-16 code units of `text`
   * as given (what JavaScript's `slice` takes), in order, at most MAX_SPANS. Tokens are found on the text as given
   * and each is normalised, lowercased, stop-listed and stemmed as `analyze` does, so the offsets point into the
   * original string (NFKC of the whole text could move them). `also`: more index terms to mark (typo corrections).
   */
  matchSpans(query: string, text: string, also: readonly string[] = []): [number, number][] {
    const terms = new Set([...this.analyze(query), ...also]);
    const out: [number, number][] = [];
    if (terms.size === 0) return out;
    for (const [raw, start, end] of this.located(text)) {
      const token = raw.normalize('NFKC').toLowerCase().replace(/’/g, "'");
      if (token.length > MAX_TOKEN_LENGTH) continue;
      const term = this.termOf(token);
      if (term === undefined || !terms.has(term)) continue;
      out.push([start, end]);
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
  phraseMatcher(phrase: string): ((text: string) => boolean) | undefined {
    const want: { at: number; term: string }[] = [];
    this.tokenize(phrase).forEach((token, i) => {
      const term = this.termOf(token);
      if (term !== undefined) want.push({ at: i, term });
    });
    if (want.length === 0) return undefined;
    const first = want[0]!.at;
    for (const w of want) w.at -= first;
    const span = want[want.length - 1]!.at + 1;
    return (text) => {
      const terms = this.tokenize(text).map((t) => this.termOf(t));
      next: for (let i = 0; i + span <= terms.length; i++) {
        for (const w of want) if (terms[i + w.at] !== w.term) continue next;
        return true;
      }
      return false;
    };
  }
}

/** A Snowball stemmer and stop list from Orama's packages (CommonJS builds, so loading one stays synchronous). */
function snowball(language: LexicalLanguage): LanguageRules {
  const require = createRequire(import.meta.url);
  const { stemmer } = require(`@orama/stemmers/${language}`) as {
    stemmer: (w: string) => string;
  };
  const { stopwords } = require(`@orama/stopwords/${language}`) as { stopwords: string[] };
  return {
    stopWords: new Set(stopwords.map((w) => w.normalize('NFKC').toLowerCase())),
    // A stemmer meets only words (letters and marks); digits and codes stay as written.
    stem: (token) => {
      try {
        return stemmer(token) || token;
      } catch {
        return token;
      }
    },
    stems: (token) => /^[\p{L}\p{M}']+$/u.test(token),
  };
}

/** Languages whose words ICU's dictionaries break apart, with their locale and Orama's stop list (if any). */
const SEGMENTED: Partial<Record<LexicalLanguage, { locale: string; stopWords?: string }>> = {
  chinese: { locale: 'zh', stopWords: 'mandarin' },
  japanese: { locale: 'ja', stopWords: 'japanese' },
  korean: { locale: 'ko' },
  thai: { locale: 'th' },
};

function segmented(spec: { locale: string; stopWords?: string }): LanguageRules {
  const require = createRequire(import.meta.url);
  const stopwords = spec.stopWords
    ? (require(`@orama/stopwords/${spec.stopWords}`) as { stopwords: string[] }).stopwords
    : [];
  return {
    stopWords: new Set(stopwords.map((w) => w.normalize('NFKC').toLowerCase())),
    segmenter: new Intl.Segmenter(spec.locale, { granularity: 'word' }),
    stems: () => false,
  };
}

function rulesOf(language: LexicalLanguage): LanguageRules {
  if (language === 'english')
    return { stopWords: ENGLISH_STOP_WORDS, stem, stems: (t) => /^[a-z']+$/.test(t) };
  if (language === 'none') return { stopWords: new Set(), stems: () => false };
  const spec = SEGMENTED[language];
  return spec ? segmented(spec) : snowball(language);
}

const analyzers = new Map<LexicalLanguage, Analyzer>();

/** The analyzer of a language (one per process and language: its stem cache is shared). */
export function analyzerFor(language: LexicalLanguage = DEFAULT_LEXICAL_LANGUAGE): Analyzer {
  let a = analyzers.get(language);
  if (!a) {
    if (!isLexicalLanguage(language))
      throw new Error(`no BM25 analyzer for language "${String(language)}"`);
    analyzers.set(language, (a = new Analyzer(language, rulesOf(language))));
  }
  return a;
}

const ENGLISH = analyzerFor('english');

/** The English analyzer's steps as functions (the default language; benches and tests call these). */
export const analyze = (text: string): string[] => ENGLISH.analyze(text);
export const analyzeTokens = (text: string): [string, string][] => ENGLISH.analyzeTokens(text);
export const termFrequencies = (text: string): Map<string, number> => ENGLISH.termFrequencies(text);
export const matchSpans = (
  query: string,
  text: string,
  also: readonly string[] = [],
): [number, number][] => ENGLISH.matchSpans(query, text, also);
export const phraseMatcher = (phrase: string): ((text: string) => boolean) | undefined =>
  ENGLISH.phraseMatcher(phrase);
