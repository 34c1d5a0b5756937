import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { termFrequencies } from './analyzer.js';

/**
 * Okapi BM25 over our own inverted index, persisted in SQLite (WAL) under the data dir.
 *
 * Why not LanceDB's full-text search: we need the exact BM25 (k1, b, idf) that the BEIR baseline uses and
 * scores we can explain and feed to the reranker as a feature; updates must be incremental and transactional
 * with upsert/delete (LanceDB FTS rebuilds its index); and it must behave the same over the Qdrant backend.
 *
 * Layout: SQLite holds each document's term frequencies (one row per doc, so an upsert is one write, not
 * one per posting); the inverted index (term -> doc -> tf) is derived from it in memory on first use of
 * a collection and updated in step with every write. The disk copy is the source of truth after a crash.
 */
export interface Bm25Params {
  k1: number;
  b: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

export interface LexicalHit {
  id: string;
  score: number;
}

export interface LexicalDoc {
  id: string;
  text: string;
}

interface CollectionIndex {
  postings: Map<string, Map<string, number>>;
  lengths: Map<string, number>;
  totalLength: number;
  /** Last change-log sequence folded into this in-memory copy. */
  seq: number;
}

/** Change-log rows kept for other processes to catch up from; a reader further behind reloads in full. */
const CHANGE_LOG_KEEP = 200_000;

export class Bm25Index {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly loaded = new Map<string, CollectionIndex>();

  constructor(
    file: string,
    private readonly params: Bm25Params = DEFAULT_BM25,
  ) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS bm25_docs (
        collection TEXT NOT NULL, doc_id TEXT NOT NULL, length INTEGER NOT NULL, terms TEXT NOT NULL,
        PRIMARY KEY (collection, doc_id)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS bm25_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, doc_id TEXT NOT NULL);
    `);
    this.stmts = {
      upsertDoc: this.db.prepare('INSERT OR REPLACE INTO bm25_docs (collection, doc_id, length, terms) VALUES (?, ?, ?, ?)'),
      deleteDoc: this.db.prepare('DELETE FROM bm25_docs WHERE collection = ? AND doc_id = ?'),
      docs: this.db.prepare('SELECT doc_id, terms FROM bm25_docs WHERE collection = ?'),
      dropDocs: this.db.prepare('DELETE FROM bm25_docs WHERE collection = ?'),
      doc: this.db.prepare('SELECT terms FROM bm25_docs WHERE collection = ? AND doc_id = ?'),
      logChange: this.db.prepare('INSERT INTO bm25_changes (collection, doc_id) VALUES (?, ?)'),
      changesSince: this.db.prepare('SELECT seq, doc_id FROM bm25_changes WHERE collection = ? AND seq > ? ORDER BY seq'),
      maxSeq: this.db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM bm25_changes'),
      minSeq: this.db.prepare('SELECT coalesce(min(seq), 0) AS seq FROM bm25_changes'),
      prune: this.db.prepare('DELETE FROM bm25_changes WHERE seq <= ?'),
    };
  }

  /** Adds or replaces documents: one transaction on disk, then the in-memory postings. Empty text removes a doc. */
  upsert(collection: string, docs: LexicalDoc[]): void {
    const index = this.indexOf(collection);
    const analyzed = docs.map((d) => ({ id: d.id, tf: termFrequencies(d.text) }));
    const seqs = this.db.transaction(() => {
      const logged: number[] = [];
      for (const { id, tf } of analyzed) {
        if (tf.size === 0) this.stmts.deleteDoc.run(collection, id);
        else this.stmts.upsertDoc.run(collection, id, sum(tf), JSON.stringify([...tf]));
        logged.push(Number(this.stmts.logChange.run(collection, id).lastInsertRowid));
      }
      return logged;
    })();
    for (const { id, tf } of analyzed) {
      removeDoc(index, id);
      if (tf.size > 0) addDoc(index, id, tf);
    }
    this.advance(index, seqs);
    this.pruneChanges();
  }

  delete(collection: string, ids: string[]): void {
    const index = this.indexOf(collection);
    const seqs = this.db.transaction(() =>
      ids.map((id) => {
        this.stmts.deleteDoc.run(collection, id);
        return Number(this.stmts.logChange.run(collection, id).lastInsertRowid);
      }),
    )();
    for (const id of ids) removeDoc(index, id);
    this.advance(index, seqs);
  }

  dropCollection(collection: string): void {
    this.db.transaction(() => {
      const rows = this.stmts.docs.all(collection) as { doc_id: string }[];
      for (const row of rows) this.stmts.logChange.run(collection, row.doc_id);
      this.stmts.dropDocs.run(collection);
    })();
    this.loaded.delete(collection);
  }

  count(collection: string): number {
    return this.indexOf(collection).lengths.size;
  }

  /** Top-k documents by BM25; `allow` restricts scoring to some ids (filters pushed down by the caller). */
  search(collection: string, query: string, k: number, allow?: (id: string) => boolean): LexicalHit[] {
    const index = this.indexOf(collection);
    const n = index.lengths.size;
    if (n === 0 || k <= 0) return [];
    const avgdl = index.totalLength / n;
    const { k1, b } = this.params;
    const scores = new Map<string, number>();
    for (const [term, qtf] of termFrequencies(query)) {
      const postings = index.postings.get(term);
      if (!postings) continue;
      const df = postings.size;
      // Lucene's idf: always positive, so very common terms still add a little.
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (const [id, tf] of postings) {
        if (allow && !allow(id)) continue;
        const dl = index.lengths.get(id) ?? avgdl;
        const s = (idf * qtf * (tf * (k1 + 1))) / (tf + k1 * (1 - b + (b * dl) / avgdl));
        scores.set(id, (scores.get(id) ?? 0) + s);
      }
    }
    return topK(scores, k);
  }

  close(): void {
    this.db.close();
  }

  /**
   * The inverted index is derived from the persisted per-document term lists, loaded once per collection,
   * then kept current from the change log (so writes by another process, e.g. `chorus index` beside a
   * running server, are seen by the next query).
   */
  private indexOf(collection: string): CollectionIndex {
    let index = this.loaded.get(collection);
    if (index && index.seq < (this.stmts.minSeq.get() as { seq: number }).seq - 1) index = undefined; // too far behind
    if (!index) {
      const seq = (this.stmts.maxSeq.get() as { seq: number }).seq;
      index = { postings: new Map(), lengths: new Map(), totalLength: 0, seq };
      for (const row of this.stmts.docs.iterate(collection) as Iterable<{ doc_id: string; terms: string }>) {
        addDoc(index, row.doc_id, new Map(JSON.parse(row.terms) as [string, number][]));
      }
      this.loaded.set(collection, index);
      return index;
    }
    const changes = this.stmts.changesSince.all(collection, index.seq) as { seq: number; doc_id: string }[];
    for (const c of changes) {
      removeDoc(index, c.doc_id);
      const row = this.stmts.doc.get(collection, c.doc_id) as { terms: string } | undefined;
      if (row) addDoc(index, c.doc_id, new Map(JSON.parse(row.terms) as [string, number][]));
      index.seq = c.seq;
    }
    return index;
  }

  /** Our own writes are already in memory: skip them in the log, unless another writer slipped in between. */
  private advance(index: CollectionIndex, seqs: number[]): void {
    if (seqs.length > 0 && seqs[0] === index.seq + 1 && seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)) index.seq = seqs[seqs.length - 1]!;
  }

  private pruneChanges(): void {
    const max = (this.stmts.maxSeq.get() as { seq: number }).seq;
    const min = (this.stmts.minSeq.get() as { seq: number }).seq;
    if (max - min > CHANGE_LOG_KEEP * 2) this.stmts.prune.run(max - CHANGE_LOG_KEEP);
  }
}

const sum = (tf: Map<string, number>): number => {
  let s = 0;
  for (const n of tf.values()) s += n;
  return s;
};

function addDoc(index: CollectionIndex, id: string, tf: Map<string, number>): void {
  for (const [term, n] of tf) {
    let p = index.postings.get(term);
    if (!p) index.postings.set(term, (p = new Map()));
    p.set(id, n);
  }
  const length = sum(tf);
  index.lengths.set(id, length);
  index.totalLength += length;
  let terms = docTerms.get(index);
  if (!terms) docTerms.set(index, (terms = new Map()));
  terms.set(id, [...tf.keys()]);
}

/** Terms per doc, so removal touches only that doc's postings. */
const docTerms = new WeakMap<CollectionIndex, Map<string, string[]>>();

function removeDoc(index: CollectionIndex, id: string): void {
  const length = index.lengths.get(id);
  if (length === undefined) return;
  const terms = docTerms.get(index)?.get(id) ?? [];
  for (const term of terms) {
    const p = index.postings.get(term);
    p?.delete(id);
    if (p && p.size === 0) index.postings.delete(term);
  }
  docTerms.get(index)?.delete(id);
  index.lengths.delete(id);
  index.totalLength -= length;
}

function topK(scores: Map<string, number>, k: number): LexicalHit[] {
  const hits: LexicalHit[] = [];
  for (const [id, score] of scores) hits.push({ id, score });
  // Ties broken by id so results are deterministic.
  hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return hits.slice(0, k);
}
