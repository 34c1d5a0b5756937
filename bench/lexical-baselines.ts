import Database from 'better-sqlite3';
import { termFrequencies } from '../src/lexical/analyzer.js';
import type { LexicalDoc, LexicalHit } from '../src/lexical/bm25-index.js';

/** What bench/lexical.ts times: build once, then (re)open from disk in a fresh object and query. */
export interface LexicalVariant {
  name: string;
  build(file: string, docs: LexicalDoc[]): void;
  open(file: string): { search(query: string, k: number): LexicalHit[]; close(): void };
}

/**
 * The previous design, kept as the baseline: per-document term lists in SQLite, the inverted index rebuilt in
 * JS Maps on open, every match scored term-at-a-time and the whole score table sorted.
 */
export const memoryMaps: LexicalVariant = {
  name: 'in-memory Maps (previous)',
  build(file, docs) {
    const db = new Database(file);
    db.exec('CREATE TABLE docs (doc_id TEXT PRIMARY KEY, terms TEXT NOT NULL) WITHOUT ROWID');
    const put = db.prepare('INSERT OR REPLACE INTO docs VALUES (?, ?)');
    db.transaction(() => {
      for (const d of docs) put.run(d.id, JSON.stringify([...termFrequencies(d.text)]));
    })();
    db.close();
  },
  open(file) {
    const db = new Database(file, { readonly: true });
    const postings = new Map<string, Map<string, number>>();
    const lengths = new Map<string, number>();
    let total = 0;
    for (const row of db.prepare('SELECT doc_id, terms FROM docs').iterate() as Iterable<{
      doc_id: string;
      terms: string;
    }>) {
      let len = 0;
      for (const [t, n] of JSON.parse(row.terms) as [string, number][]) {
        let p = postings.get(t);
        if (!p) postings.set(t, (p = new Map()));
        p.set(row.doc_id, n);
        len += n;
      }
      lengths.set(row.doc_id, len);
      total += len;
    }
    db.close();
    const n = lengths.size;
    const avgdl = total / n;
    return {
      search(query, k) {
        const scores = new Map<string, number>();
        for (const [term, qtf] of termFrequencies(query)) {
          const p = postings.get(term);
          if (!p) continue;
          const idf = Math.log(1 + (n - p.size + 0.5) / (p.size + 0.5));
          for (const [id, tf] of p) {
            const s =
              (idf * qtf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * lengths.get(id)!) / avgdl));
            scores.set(id, (scores.get(id) ?? 0) + s);
          }
        }
        return [...scores]
          .map(([id, score]) => ({ id, score }))
          .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
          .slice(0, k);
      },
      close() {},
    };
  },
};

/** FTS5 sees each analyzed term as one ASCII token (hex of its UTF-8), so tokenization is exactly ours. */
const hexTerm = (t: string) => 'x' + Buffer.from(t).toString('hex');

/**
 * SQLite FTS5 over pre-analyzed tokens, ranked by FTS5's own bm25() (k1 1.2, b 0.75, but idf
 * log((N - df + 0.5) / (df + 0.5)) floored at 1e-6, not Lucene's): nothing loaded on open.
 */
export const fts5: LexicalVariant = {
  name: 'SQLite FTS5 bm25() over our tokens',
  build(file, docs) {
    const db = new Database(file);
    db.exec(
      "CREATE VIRTUAL TABLE docs USING fts5(doc_id UNINDEXED, body, tokenize = 'ascii', detail = 'column')",
    );
    const put = db.prepare('INSERT INTO docs (doc_id, body) VALUES (?, ?)');
    db.transaction(() => {
      for (const d of docs) {
        const terms = [];
        for (const [t, n] of termFrequencies(d.text))
          for (let i = 0; i < n; i++) terms.push(hexTerm(t));
        put.run(d.id, terms.join(' '));
      }
    })();
    db.exec("INSERT INTO docs (docs) VALUES ('optimize')");
    db.close();
  },
  open(file) {
    const db = new Database(file, { readonly: true });
    const stmt = db.prepare(
      'SELECT doc_id AS id, -rank AS score FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?',
    );
    return {
      search(query, k) {
        const terms = [...termFrequencies(query)].flatMap(([t, n]) =>
          Array.from({ length: n }, () => `"${hexTerm(t)}"`),
        );
        if (terms.length === 0) return [];
        return stmt.all(terms.join(' OR '), k) as LexicalHit[];
      },
      close: () => db.close(),
    };
  },
};
