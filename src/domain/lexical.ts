import type { LexicalLanguage } from './lexical-languages.js';
/**
 * The lexical index port: what the engine asks of a lexical index (BM25 in src/lexical today), so another one
 * (a search server's sparse vectors, SQLite FTS5) can stand in without the engine knowing.
 */
export interface LexicalHit {
  id: string;
  score: number;
}

export interface LexicalDoc {
  id: string;
  text: string;
}

/** Restrictions pushed into scoring: only these ids (a selective filter's matches), or never these. */
export interface LexicalSearchOptions {
  only?: Iterable<string>;
  exclude?: Iterable<string>;
  /** Synonyms of the query's words to score beside them. */
  expand?: LexicalExpansion;
  /**
   * Search as you type: the query's last word, when nothing follows it, may be the start of a word and also matches
   * the index terms it begins (see Bm25Index).
   */
  prefix?: boolean;
}

/** What a query's synonyms add to its lexical search. */
export interface LexicalExpansion {
  /** Index terms scored beside the query's own, weighed as query terms, never typo-corrected. */
  terms: readonly string[];
  /** The query's own terms a synonym matched: taken as typed (a word the collection lacks is not "corrected"). */
  asTyped: readonly string[];
}

/**
 * A query word the index read as one of its terms: a word it never saw (typo tolerance: "jersy" as the term
 * "jersey"), or, searching as you type, the last word as a term it begins ("jers" as "jersey", `completion`).
 */
export interface TermCorrection {
  /** The word as the query had it (normalised and lowercased as the analyzer tokenizes). */
  word: string;
  /** The index term it was read as (an analyzed form: a stem, not necessarily a word). */
  term: string;
  /** The word was taken as the start of this term (prefix search), not as a misspelling of it. */
  completion?: true;
}

/** One collection's text analysis, as its BM25 index applies it. */
export interface TextAnalysis {
  /**
   * Where `text` (one payload field) holds the query's terms as the index analyzes them: `[start, end)` offsets in
   * UTF-16 code units of `text`, in order. For highlighting shown hits. `terms`: index terms to mark as well (the
   * terms typo tolerance read misspelt words as).
   */
  matchSpans(query: string, text: string, terms?: readonly string[]): [number, number][];
  /**
   * A test of whether a text holds `phrase` as the index analyzes text (quoted phrases, exclusions); undefined
   * when the phrase has no searchable word.
   */
  phraseMatcher(phrase: string): ((text: string) => boolean) | undefined;
}

export interface LexicalIndex {
  /** Replaces the documents with these ids (idempotent). */
  upsert(collection: string, docs: LexicalDoc[]): Promise<void>;
  delete(collection: string, ids: string[]): Promise<void>;
  dropCollection(collection: string): Promise<void>;
  /** Documents indexed in `collection` (the API reports it beside the store's count). */
  count(collection: string): number;
  /** The ids of the documents indexed in `collection`, unordered (a rebuild removes those the store lacks). */
  documentIds(collection: string): string[];
  /** How this index analyzes `collection`'s text (its language), for highlights, phrases and spellings. */
  analysis(collection: string): TextAnalysis;
  /**
   * The query's words this index reads as other terms (typo tolerance; with `prefix`, the last word's completions
   * too), in query order; [] when it reads none. `prefix` as the search had it.
   */
  corrections(collection: string, query: string, prefix?: boolean): TermCorrection[];
  /** The language `collection`'s documents and queries are analyzed in (English until set). */
  language(collection: string): LexicalLanguage;
  /**
   * Analyze `collection`'s documents written from now on, and its queries, in `language`; stored documents keep
   * their terms until rewritten (a lexical rebuild).
   */
  setLanguage(collection: string, language: LexicalLanguage): Promise<void>;
  /** The k best documents for `query`, best first. */
  searchAsync(
    collection: string,
    query: string,
    k: number,
    opts?: LexicalSearchOptions,
  ): Promise<LexicalHit[]>;
}
