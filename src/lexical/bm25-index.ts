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
}

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
    `);
    this.stmts = {
      upsertDoc: this.db.prepare('INSERT OR REPLACE INTO bm25_docs (collection, doc_id, length, terms) VALUES (?, ?, ?, ?)'),
      deleteDoc: this.db.prepare('DELETE FROM bm25_docs WHERE collection = ? AND doc_id = ?'),
      docs: this.db.prepare('SELECT doc_id, terms FROM bm25_docs WHERE collection = ?'),
      dropDocs: this.db.prepare('DELETE FROM bm25_docs WHERE collection = ?'),
    };
  }

  /** Adds or replaces documents: one transaction on disk, then the in-memory postings. Empty text removes a doc. */
  upsert(collection: string, docs: LexicalDoc[]): void {
    const index = this.indexOf(collection);
    const analyzed = docs.map((d) => ({ id: d.id, tf: termFrequencies(d.text) }));
    this.db.transaction(() => {
      for (const { id, tf } of analyzed) {
        if (tf.size === 0) this.stmts.deleteDoc.run(collection, id);
        else this.stmts.upsertDoc.run(collection, id, sum(tf), JSON.stringify([...tf]));
      }
    })();
    for (const { id, tf } of analyzed) {
      removeDoc(index, id);
      if (tf.size > 0) addDoc(index, id, tf);
    }
  }

  delete(collection: string, ids: string[]): void {
    const index = this.indexOf(collection);
    this.db.transaction(() => {
      for (const id of ids) this.stmts.deleteDoc.run(collection, id);
    })();
    for (const id of ids) removeDoc(index, id);
  }

  dropCollection(collection: string): void {
    this.stmts.dropDocs.run(collection);
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

  /** The inverted index is derived from the persisted per-document term lists, loaded once per collection. */
  private indexOf(collection: string): CollectionIndex {
    let index = this.loaded.get(collection);
    if (!index) {
      index = { postings: new Map(), lengths: new Map(), totalLength: 0 };
      for (const row of this.stmts.docs.iterate(collection) as Iterable<{ doc_id: string; terms: string }>) {
        addDoc(index, row.doc_id, new Map(JSON.parse(row.terms) as [string, number][]));
      }
      this.loaded.set(collection, index);
    }
    return index;
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
