import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { analyzerFor, type Analyzer } from './analyzer.js';
import {
  DEFAULT_LEXICAL_LANGUAGE,
  isLexicalLanguage,
  type LexicalLanguage,
} from '../domain/lexical-languages.js';
import { topKMaxScore, type TermPostings } from './max-score.js';
import { PostingsStore, type AnalyzedDoc, type BlockMeta } from './postings.js';
import { PostingsReadCache } from './read-cache.js';
import { bestCorrection, MIN_FIRST_LETTER_TYPO_LENGTH, TYPO_WEIGHT } from './typos.js';
import { Bm25ReadThread } from './bm25-read-thread.js';
import { Bm25WriteThread, type LexicalWrite } from './bm25-write-thread.js';
import type {
  LexicalDoc,
  LexicalHit,
  LexicalIndex,
  TermCorrection,
  LexicalSearchOptions,
} from '../domain/lexical.js';

/**
 * Okapi BM25 over our own inverted index, persisted in SQLite (WAL) under the data dir and read from disk at
 * query time: a process opening it loads nothing up front, and every process sharing the file sees the others'
 * committed writes on its next query (reads run in one snapshot).
 *
 * Why not LanceDB's full-text search or SQLite FTS5's bm25(): we need the exact BM25 (k1, b, Lucene's idf) that
 * the BEIR baseline uses and scores we can explain and feed to the reranker as a feature; FTS5's bm25() uses
 * another idf and cannot be replaced from better-sqlite3 (no auxiliary functions), so it would only serve as a
 * posting store. bench/lexical.ts measures the choice (open time, query time, nDCG) against both alternatives.
 */
export interface Bm25Params {
  k1: number;
  b: number;
  /** Read a query term the collection never saw as its vocabulary's nearest term (see typos.ts); default true. */
  typoTolerance?: boolean;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

/** The BM25 index's file in a data directory. */
export const LEXICAL_FILE = 'lexical.sqlite';

export type { LexicalDoc, LexicalHit, LexicalSearchOptions } from '../domain/lexical.js';

/**
 * Collections with fewer documents are searched on the owner's thread even with a read thread: at 20k documents the
 * hop cost more than the ~0.35 ms of event-loop time it saved (bench/latency A/B, two runs: +11% server CPU per
 * request, fixed-rate p99 1.8x), at 100k it paid (event loop -0.9 ms per request, throughput +5%).
 */
export const READ_THREAD_MIN_DOCS = 50_000;

/** Typo corrections remembered per index (cleared whole when full, and whenever the index changes). */
const MAX_CORRECTIONS = 10_000;
const LATIN = 'abcdefghijklmnopqrstuvwxyz';
/** Queries whose latest search's corrections are kept for `corrections` (cleared whole when full). */
const MAX_RECENT_READS = 1_000;
/**
 * Searching as you type: a last word this long or longer also matches the terms it begins, at most this many of
 * them (the most frequent; Elasticsearch's prefix queries expand to 50, but each term here is a postings list scored
 * at query time). Two letters were too costly to expand on the 100k bench index (~1,200 terms each: the vocabulary
 * read 12-19 ms cold, a search 13-65 ms cold and 3-8 ms warm, against 3-14 and 0.6-4.5 ms from three letters).
 */
export const MIN_PREFIX = 3;
export const MAX_COMPLETIONS = 16;

interface TermStats {
  term: string;
  metas: BlockMeta[];
  df: number;
}

/** A search's hits and the query words it read as other terms. */
export interface LexicalRead {
  hits: LexicalHit[];
  corrections: TermCorrection[];
}

export class Bm25Index implements LexicalIndex {
  private readonly db: Database.Database;
  private readonly postings: PostingsStore;
  private readonly cache = new PostingsReadCache();
  /** Typo corrections by collection and term (null: none), valid for the snapshot the read cache is. */
  private readonly correctionCache = new Map<string, string | null>();
  /** The terms a word begins (its most frequent completions), by collection and word, for the same snapshot. */
  private readonly completionCache = new Map<string, { term: string; df: number }[]>();
  /** Per collection and query text: the corrections its latest searchAsync applied. */
  private readonly recentReads = new Map<string, TermCorrection[]>();
  private readonly dataVersion: Database.Statement;
  /** SQLite's data_version when the cache was last known current (another connection's commit changes it). */
  private seenVersion: unknown;
  private writer: Bm25WriteThread | undefined;
  private threaded = false;
  private reader: Bm25ReadThread | undefined;
  private readThreaded = false;
  private readThreadMinDocs = READ_THREAD_MIN_DOCS;
  /** Searches answered by the read thread (diagnostics, tests). */
  threadSearches = 0;

  constructor(
    private readonly file: string,
    private readonly params: Bm25Params = DEFAULT_BM25,
  ) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Postings are read through the OS page cache, shared by every process that opens the file.
    this.db.pragma('mmap_size = 1073741824');
    this.postings = new PostingsStore(this.db);
    this.dataVersion = this.db.prepare('PRAGMA data_version').pluck();
    this.migrateLegacy();
  }

  /**
   * From now on writes run on a worker thread with its own connection (see Bm25WriteThread): the server's bulk
   * loads keep the event loop for searches. In-memory indexes cannot be shared and keep writing here.
   */
  useWriteThread(): void {
    this.threaded = this.file !== ':memory:';
  }

  /**
   * From now on `searchAsync` runs searches of collections with at least `minDocs` documents (default
   * READ_THREAD_MIN_DOCS) on a worker thread with its own read connection once it has opened (a server: the event
   * loop serves requests while the thread scores). In-memory indexes keep searching here.
   */
  useReadThread(opts: { minDocs?: number } = {}): void {
    this.readThreaded = this.file !== ':memory:';
    this.readThreadMinDocs = opts.minDocs ?? READ_THREAD_MIN_DOCS;
  }

  /** Starts the read thread (see useReadThread) if it is not running; true once searches go to it. */
  readThreadReady(): Promise<boolean> {
    if (!this.readThreaded) return Promise.resolve(false);
    this.reader ??= new Bm25ReadThread(this.file, this.params);
    return this.reader.ready;
  }

  /** True once writes run on the write thread (false without one, or if it failed to open). */
  writeThreadReady(): Promise<boolean> {
    return this.thread()?.ready ?? Promise.resolve(false);
  }

  /** The write thread, started by the first write (a server that never writes starts none). */
  private thread(): Bm25WriteThread | undefined {
    if (this.threaded) this.writer ??= new Bm25WriteThread(this.file);
    return this.writer;
  }

  /**
   * Adds or replaces documents in one transaction. Empty text removes a doc. Resolves once committed (at once
   * without a write thread); writes apply in call order whichever way they run.
   */
  upsert(collection: string, docs: LexicalDoc[]): Promise<void> {
    return this.write({ op: 'upsert', collection, docs });
  }

  delete(collection: string, ids: string[]): Promise<void> {
    return this.write({ op: 'delete', collection, ids });
  }

  dropCollection(collection: string): Promise<void> {
    return this.write({ op: 'drop', collection });
  }

  analysis(collection: string): Analyzer {
    return this.analyzer(collection);
  }

  /** The language the collection's documents are analyzed in (English until set). */
  language(collection: string): LexicalLanguage {
    return languageOf(this.postings.stats(collection));
  }

  /**
   * Documents written from now on, and every query, are analyzed in `language`. Documents already stored keep the
   * terms they were written with until rewritten (a lexical rebuild), so a change is made on an empty collection or
   * followed by one.
   */
  setLanguage(collection: string, language: LexicalLanguage): Promise<void> {
    if (!isLexicalLanguage(language))
      return Promise.reject(new Error(`no BM25 analyzer for language "${String(language)}"`));
    return this.write({ op: 'language', collection, language });
  }

  private analyzer(collection: string): Analyzer {
    return analyzerFor(this.language(collection));
  }

  /**
   * The query's words the search reads as other terms (see searchInSnapshot): what the latest `searchAsync` of this
   * query read them as, whichever thread scored it (so a response reports what its list did, without a second
   * lookup on the event loop), else looked up here.
   */
  corrections(collection: string, query: string, prefix = false): TermCorrection[] {
    if (this.params.typoTolerance === false && !prefix) return [];
    const remembered = this.recentReads.get(readKey(collection, query, prefix));
    if (remembered) return remembered;
    // Not searched through searchAsync (or forgotten since): a one-hit search reads the words as a full one does.
    return this.read(collection, query, 1, { prefix }).corrections;
  }

  count(collection: string): number {
    return this.postings.stats(collection)?.docs ?? 0;
  }

  documentIds(collection: string): string[] {
    const stats = this.postings.stats(collection);
    return stats ? this.postings.docIds(stats.cid) : [];
  }

  /** Stored postings against what the live documents need: equal unless the index is damaged. */
  consistency(collection: string): { docs: number; postings: number; expected: number } {
    const stats = this.postings.stats(collection);
    if (!stats) return { docs: 0, postings: 0, expected: 0 };
    return {
      docs: stats.docs,
      postings: this.postings.postingCount(stats.cid),
      expected: this.postings.docTermCount(stats.cid),
    };
  }

  /** Top-k documents by BM25, best first (equal scores: the earlier-indexed document first). */
  search(
    collection: string,
    query: string,
    k: number,
    opts: LexicalSearchOptions = {},
  ): LexicalHit[] {
    return this.read(collection, query, k, opts).hits;
  }

  /** `search`, with the query words it read as other terms (typo tolerance). */
  read(collection: string, query: string, k: number, opts: LexicalSearchOptions = {}): LexicalRead {
    const corrections: TermCorrection[] = [];
    if (k <= 0) return { hits: [], corrections };
    const hits = this.db
      .transaction(() => this.searchInSnapshot(collection, query, k, opts, corrections))
      .deferred();
    return { hits, corrections };
  }

  /**
   * `search` on the read thread when there is one (see useReadThread), else here. Until the thread has opened, or
   * if it fails, this connection answers: same code, same committed data, so the same hits.
   */
  async searchAsync(
    collection: string,
    query: string,
    k: number,
    opts: LexicalSearchOptions = {},
  ): Promise<LexicalHit[]> {
    if (this.readThreaded && k > 0 && this.count(collection) >= this.readThreadMinDocs) {
      this.reader ??= new Bm25ReadThread(this.file, this.params);
      if (this.reader.usable) {
        try {
          const read = await this.reader.search(collection, query, k, {
            only: opts.only ? [...opts.only] : undefined,
            exclude: opts.exclude ? [...opts.exclude] : undefined,
            expand: opts.expand,
            prefix: opts.prefix,
          });
          this.threadSearches++;
          return this.remember(readKey(collection, query, opts.prefix), read);
        } catch {
          // The thread stopped, or its search failed: searched here below (a real fault throws here too).
        }
      }
    }
    return this.remember(
      readKey(collection, query, opts.prefix),
      this.read(collection, query, k, opts),
    );
  }

  /** Keeps what a search read its query's words as, for `corrections` (asked right after, by the same request). */
  private remember(key: string, read: LexicalRead): LexicalHit[] {
    if (this.recentReads.size >= MAX_RECENT_READS) this.recentReads.clear();
    this.recentReads.set(key, read.corrections);
    return read.hits;
  }

  /** Closes the connection now; a write thread finishes what was sent to it first (the promise says when). */
  close(): Promise<void> {
    this.db.close();
    this.threaded = false;
    this.readThreaded = false;
    const reader = this.reader?.close();
    this.reader = undefined;
    return Promise.all([this.writer?.close(), reader]).then(() => undefined);
  }

  private write(w: LexicalWrite): Promise<void> {
    const thread = this.thread();
    if (thread?.usable) return thread.run(w).finally(() => this.clearCaches()); // data_version notices too; this is sooner
    try {
      this.apply(w);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  private apply(w: LexicalWrite): void {
    const run = (fn: () => void) => {
      this.db.transaction(fn).immediate();
      this.clearCaches();
    };
    if (w.op === 'upsert') {
      // Analyzed before the write lock is taken; again inside it in the rare case the language changed meanwhile.
      const analyze = (a: Analyzer) =>
        w.docs.map((d) => ({ id: d.id, tf: a.termFrequencies(d.text) }));
      const before = this.analyzer(w.collection);
      const analyzed = analyze(before);
      run(() => {
        const now = this.analyzer(w.collection);
        this.postings.write(w.collection, now === before ? analyzed : analyze(now));
      });
    } else if (w.op === 'language') {
      run(() => this.postings.setLanguage(w.collection, w.language));
    } else if (w.op === 'delete') {
      const docs = w.ids.map((id) => ({ id, tf: new Map<string, number>() }));
      run(() => this.postings.write(w.collection, docs));
    } else run(() => this.postings.drop(w.collection));
  }

  private searchInSnapshot(
    collection: string,
    query: string,
    k: number,
    opts: LexicalSearchOptions,
    corrected: TermCorrection[],
  ): LexicalHit[] {
    const stats = this.postings.stats(collection);
    this.noticeWrites();
    if (!stats || stats.docs === 0) return [];
    const { cid, docs: n } = stats;
    const analyzer = analyzerFor(languageOf(stats));
    const cache = this.cache;
    const lists: TermPostings[] = [];
    const add = (t: TermStats, weight: number, df = t.df) => {
      const { term, metas } = t;
      // Lucene's idf: always positive, so very common terms still add a little.
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      lists.push({
        weight: idf * weight,
        metas,
        load: (m) => cache.block(m, () => this.postings.block(cid, term, m)),
      });
    };
    const scored = new Set<string>();
    const asTyped = new Set(opts.expand?.asTyped);
    const partial = opts.prefix ? partialWord(analyzer, query) : undefined;
    const completions = partial ? this.completions(cid, partial.token) : [];
    // A word being typed that begins terms is not misspelt: its completions stand for it below.
    if (partial?.term !== undefined && completions.length > 0) asTyped.add(partial.term);
    for (const [typed, { qtf, token }] of queryTerms(analyzer, query)) {
      let t = this.termStats(cid, typed);
      let share = 1;
      if (t.df === 0 && this.params.typoTolerance !== false && !asTyped.has(typed)) {
        const fixed = this.correction(cid, typed, token);
        if (fixed === undefined) continue;
        t = this.termStats(cid, fixed);
        share = TYPO_WEIGHT;
        if (t.df > 0) corrected.push({ word: token, term: fixed });
      }
      if (t.df === 0) continue;
      scored.add(t.term);
      add(t, qtf * share);
    }
    // Synonyms count as the query's own words, once each.
    for (const term of opts.expand?.terms ?? []) {
      if (scored.has(term)) continue;
      const t = this.termStats(cid, term);
      if (t.df === 0) continue;
      scored.add(term);
      add(t, 1);
    }
    // Completions weigh alike, at the idf of the most frequent (Lucene's blended rewrite): a rare completion is not
    // a stronger match than a common one, it is only a less likely reading of what is being typed.
    const blended = completions.reduce((m, c) => Math.max(m, c.df), 0);
    for (const c of completions) {
      if (scored.has(c.term)) continue;
      const t = this.termStats(cid, c.term);
      if (t.df === 0) continue;
      scored.add(c.term);
      add(t, 1, blended);
      corrected.push({ word: partial!.token, term: c.term, completion: true });
    }
    if (lists.length === 0) return [];
    const nums = (ids: Iterable<string> | undefined) => {
      if (!ids) return undefined;
      const out = new Set<number>();
      for (const id of ids) {
        const num = this.postings.docNum(cid, id);
        if (num !== undefined) out.add(num);
      }
      return out;
    };
    const only = nums(opts.only);
    const exclude = nums(opts.exclude);
    if (only?.size === 0) return [];
    const accept =
      only || exclude ? (num: number) => (!only || only.has(num)) && !exclude?.has(num) : undefined;
    const top = topKMaxScore(lists, k, { ...this.params, avgdl: stats.totalLength / n }, accept);
    return top.map((t) => ({
      id: cache.docId(cid, t.num, () => this.postings.docId(cid, t.num))!,
      score: t.score,
    }));
  }

  /**
   * The vocabulary a typed word's correction can be in, read by prefixes (a first-letter range was 3 ms per word on
   * SciFact's 5k documents and grows with the vocabulary): each form's first two letters (typos from the third letter
   * on) and its first and third (a swap of the second and third letters, or a letter inserted second). A Latin word's
   * second letter deleted or replaced leaves only that letter unknown, so those terms are probed exactly (52 per
   * form, in one statement) instead of read as first-letter ranges; so are a longer word's first-letter slips (its
   * first letter replaced, missing, doubled by an extra one, or swapped with the second: 54 more), which
   * bestCorrection takes only when no term keeps the first letter.
   */
  private vocabularyNear(cid: number, forms: string[]): { term: string; df: number }[] {
    const prefixes = new Set<string>();
    const exact = new Set<string>();
    for (const f of forms) {
      const c = [...f];
      if (c.length < 3) continue;
      prefixes.add(c[0]! + c[1]!);
      prefixes.add(c[0]! + c[2]!);
      if (!/^[a-z]+$/.test(f)) continue;
      for (const x of LATIN) {
        exact.add(c[0]! + x + f.slice(1)); // "jrsey" -> "jersey"
        exact.add(c[0]! + x + f.slice(2)); // "jxrsey" -> "jersey"
      }
      if (c.length < MIN_FIRST_LETTER_TYPO_LENGTH) continue;
      for (const x of LATIN) {
        exact.add(x + f.slice(1)); // "hersey" -> "jersey"
        exact.add(x + f); // "ersey" -> "jersey" (the first letter missing)
      }
      exact.add(f.slice(1)); // "kjersey" -> "jersey"
      exact.add(c[1]! + c[0]! + f.slice(2)); // "ejrsey" -> "jersey"
    }
    // Terms under a prefix read anyway are not probed again.
    const probes = [...exact].filter((t) => !prefixes.has(t.slice(0, 2)));
    return [...prefixes]
      .flatMap((p) => this.postings.vocabulary(cid, p))
      .concat(this.postings.frequencies(cid, probes));
  }

  /** Read after a snapshot began (its first read): the caches are then valid for exactly that snapshot. */
  private noticeWrites(): void {
    const version = this.dataVersion.get();
    if (version !== this.seenVersion) {
      this.clearCaches();
      this.seenVersion = version;
    }
  }

  /** A term's postings blocks (through the read cache) and its document frequency. */
  private termStats(cid: number, term: string): TermStats {
    const metas = this.cache.metas(cid, term, () => this.postings.metas(cid, term));
    let df = 0;
    for (const m of metas) df += m.count;
    return { term, metas, df };
  }

  /** Postings and typo corrections read before a write (this connection's or another's) are stale after it. */
  private clearCaches(): void {
    this.cache.clear();
    this.correctionCache.clear();
    this.completionCache.clear();
  }

  /** The terms `word` begins, most frequent first (at most MAX_COMPLETIONS; cached until the index changes). */
  private completions(cid: number, word: string): { term: string; df: number }[] {
    const key = `${cid}\u0000${word}`;
    const hit = this.completionCache.get(key);
    if (hit) return hit;
    const found = this.postings
      .vocabulary(cid, word)
      .sort((a, b) => b.df - a.df || (a.term < b.term ? -1 : 1))
      .slice(0, MAX_COMPLETIONS);
    if (this.completionCache.size >= MAX_CORRECTIONS) this.completionCache.clear();
    this.completionCache.set(key, found);
    return found;
  }

  /** The correction of a term this collection never saw (cached until the index changes), if any. */
  private correction(cid: number, term: string, token: string): string | undefined {
    const key = `${cid}\u0000${term}`;
    if (this.correctionCache.has(key)) return this.correctionCache.get(key) ?? undefined;
    const fixed = bestCorrection([term, token], this.vocabularyNear(cid, [term, token]));
    if (this.correctionCache.size >= MAX_CORRECTIONS) this.correctionCache.clear();
    this.correctionCache.set(key, fixed ?? null);
    return fixed;
  }

  /** Data dirs from before the on-disk postings kept per-document term lists (bm25_docs): re-index those once. */
  private migrateLegacy(): void {
    const legacy = this.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'bm25_docs'")
      .get();
    if (!legacy) return;
    this.db
      .transaction(() => {
        const rows = this.db
          .prepare('SELECT collection, doc_id, terms FROM bm25_docs ORDER BY collection')
          .iterate() as Iterable<{
          collection: string;
          doc_id: string;
          terms: string;
        }>;
        let batch: AnalyzedDoc[] = [];
        let current = '';
        for (const row of rows) {
          if ((row.collection !== current || batch.length >= 5000) && batch.length > 0) {
            this.postings.write(current, batch);
            batch = [];
          }
          current = row.collection;
          batch.push({ id: row.doc_id, tf: new Map(JSON.parse(row.terms) as [string, number][]) });
        }
        if (batch.length > 0) this.postings.write(current, batch);
        this.db.exec('DROP TABLE bm25_docs; DROP TABLE IF EXISTS bm25_changes;');
      })
      .immediate();
    this.clearCaches();
  }
}

/** Where `searchAsync` keeps a query's read words: prefix searches read the last word differently. */
function readKey(collection: string, query: string, prefix = false): string {
  return `${collection}\u0000${prefix ? 'p' : ''}\u0000${query}`;
}

/**
 * The word a query ends in while it is being typed (nothing after it, not even a space), with its index term
 * (undefined for a stop word: "the" may still begin "theory"); none when shorter than MIN_PREFIX.
 */
function partialWord(
  analyzer: Analyzer,
  query: string,
): { token: string; term: string | undefined } | undefined {
  const text = query.normalize('NFKC');
  if (!/[\p{L}\p{M}\p{N}]$/u.test(text)) return undefined;
  const token = analyzer.tokenize(text).at(-1);
  if (token === undefined || [...token].length < MIN_PREFIX) return undefined;
  return { token, term: analyzer.analyzeTokens(token)[0]?.[0] };
}

/** A query's terms with their counts and the first token each came from (for typo correction). */
function queryTerms(
  analyzer: Analyzer,
  query: string,
): Map<string, { qtf: number; token: string }> {
  const out = new Map<string, { qtf: number; token: string }>();
  for (const [term, token] of analyzer.analyzeTokens(query)) {
    const seen = out.get(term);
    if (seen) seen.qtf++;
    else out.set(term, { qtf: 1, token });
  }
  return out;
}

/** The language a collection's row records (none, or from before languages were recorded: English). */
function languageOf(stats: { language: string | null } | undefined): LexicalLanguage {
  const l = stats?.language;
  return isLexicalLanguage(l) ? l : DEFAULT_LEXICAL_LANGUAGE;
}
