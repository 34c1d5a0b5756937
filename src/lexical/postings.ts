import type Database from 'better-sqlite3';

/**
 * The persisted inverted index: per collection, documents get increasing internal numbers and each term's
 * postings live in blocks of up to BLOCK_SIZE (doc number, tf, doc length) rows, ordered by doc number, with the
 * block's max tf and min length kept beside it so a query can bound a block's best score without reading it.
 *
 * A block's key is the first doc number it was created with: every number in it is >= its key and smaller than
 * the next block's key, so "the block that holds doc d" is the block with the largest key <= d. Deleting keeps
 * that true; new documents always get a number above all others, so they only ever append to a term's last
 * block. Re-upserting a document removes its postings and appends new ones under a fresh number.
 */
export const BLOCK_SIZE = 64; // 64 x 12 bytes fits SQLite's inline row limit on 4 KiB pages (no overflow pages)

export interface BlockMeta {
  key: number;
  last: number;
  count: number;
  maxTf: number;
  minLen: number;
  /** The decoded block while a read cache holds it (set and cleared by PostingsReadCache only). */
  decoded?: Block;
}

/** One block, struct-of-arrays. */
export interface Block {
  nums: Uint32Array;
  tfs: Uint32Array;
  lens: Uint32Array;
}

export interface CollectionStats {
  cid: number;
  docs: number;
  totalLength: number;
  nextNum: number;
  /** The language its documents were analyzed in (null: English, from before languages were recorded). */
  language: string | null;
}

export interface AnalyzedDoc {
  id: string;
  tf: Map<string, number>;
}

export const POSTINGS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS lex_collections (
    name TEXT PRIMARY KEY, cid INTEGER NOT NULL UNIQUE, docs INTEGER NOT NULL, total_length INTEGER NOT NULL,
    next_num INTEGER NOT NULL, language TEXT);
  CREATE TABLE IF NOT EXISTS lex_docs (
    cid INTEGER NOT NULL, doc_id TEXT NOT NULL, num INTEGER NOT NULL, length INTEGER NOT NULL, terms TEXT NOT NULL,
    PRIMARY KEY (cid, doc_id)) WITHOUT ROWID;
  CREATE UNIQUE INDEX IF NOT EXISTS lex_docs_num ON lex_docs (cid, num);
  CREATE TABLE IF NOT EXISTS lex_blocks (
    cid INTEGER NOT NULL, term TEXT NOT NULL, key INTEGER NOT NULL, last INTEGER NOT NULL, count INTEGER NOT NULL,
    max_tf INTEGER NOT NULL, min_len INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (cid, term, key)) WITHOUT ROWID;
`;

export function decodeBlock(buf: Buffer, count: number): Block {
  // Copy: a Buffer from SQLite need not be 4-byte aligned.
  const all = new Uint32Array(count * 3);
  new Uint8Array(all.buffer).set(buf.subarray(0, count * 12));
  return {
    nums: all.subarray(0, count),
    tfs: all.subarray(count, 2 * count),
    lens: all.subarray(2 * count),
  };
}

/** Postings as a flat [num, tf, len, num, tf, len, ...] list: no per-posting objects on the write path. */
type Flat = number[];

function flatOf(b: Block): Flat {
  const out: Flat = new Array<number>(b.nums.length * 3);
  for (let i = 0; i < b.nums.length; i++) {
    out[3 * i] = b.nums[i]!;
    out[3 * i + 1] = b.tfs[i]!;
    out[3 * i + 2] = b.lens[i]!;
  }
  return out;
}

/** Prepared statements over the three tables; all writes run inside the caller's transaction. */
export class PostingsStore {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    db.exec(POSTINGS_SCHEMA);
    addLanguageColumn(db);
    this.s = {
      collection: db.prepare(
        'SELECT cid, docs, total_length AS totalLength, next_num AS nextNum, language FROM lex_collections WHERE name = ?',
      ),
      setLanguage: db.prepare('UPDATE lex_collections SET language = ? WHERE cid = ?'),
      newCollection: db.prepare(
        'INSERT INTO lex_collections (name, cid, docs, total_length, next_num) VALUES (?, (SELECT coalesce(max(cid), 0) + 1 FROM lex_collections), 0, 0, 1)',
      ),
      saveCollection: db.prepare(
        'UPDATE lex_collections SET docs = ?, total_length = ?, next_num = ? WHERE cid = ?',
      ),
      dropCollection: db.prepare('DELETE FROM lex_collections WHERE cid = ?'),
      dropDocs: db.prepare('DELETE FROM lex_docs WHERE cid = ?'),
      dropBlocks: db.prepare('DELETE FROM lex_blocks WHERE cid = ?'),
      doc: db.prepare('SELECT num, length, terms FROM lex_docs WHERE cid = ? AND doc_id = ?'),
      docNum: db.prepare('SELECT num FROM lex_docs WHERE cid = ? AND doc_id = ?').pluck(),
      docId: db.prepare('SELECT doc_id FROM lex_docs WHERE cid = ? AND num = ?').pluck(),
      docIds: db.prepare('SELECT doc_id FROM lex_docs WHERE cid = ?').pluck(),
      insertDoc: db.prepare(
        'INSERT INTO lex_docs (cid, doc_id, num, length, terms) VALUES (?, ?, ?, ?, ?)',
      ),
      deleteDoc: db.prepare('DELETE FROM lex_docs WHERE cid = ? AND doc_id = ?'),
      // Terms of a collection starting with a prefix, with their document frequencies (typo corrections).
      vocabulary: db.prepare(
        'SELECT term, sum(count) AS df FROM lex_blocks WHERE cid = ? AND term >= ? AND term < ? GROUP BY term',
      ),
      // The same for a list of exact terms (a JSON array): one statement, an index probe per term.
      frequencies: db.prepare(
        'SELECT term, sum(count) AS df FROM lex_blocks WHERE cid = ? AND term IN (SELECT value FROM json_each(?)) GROUP BY term',
      ),
      metas: db.prepare(
        'SELECT key, last, count, max_tf AS maxTf, min_len AS minLen FROM lex_blocks WHERE cid = ? AND term = ? ORDER BY key',
      ),
      data: db
        .prepare('SELECT data FROM lex_blocks WHERE cid = ? AND term = ? AND key = ?')
        .pluck(),
      blockAt: db.prepare(
        'SELECT key, count, data FROM lex_blocks WHERE cid = ? AND term = ? AND key <= ? ORDER BY key DESC LIMIT 1',
      ),
      lastBlock: db.prepare(
        'SELECT key, count, data FROM lex_blocks WHERE cid = ? AND term = ? ORDER BY key DESC LIMIT 1',
      ),
      putBlock: db.prepare(
        'INSERT OR REPLACE INTO lex_blocks (cid, term, key, last, count, max_tf, min_len, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteBlock: db.prepare('DELETE FROM lex_blocks WHERE cid = ? AND term = ? AND key = ?'),
      postingCount: db
        .prepare('SELECT coalesce(sum(count), 0) FROM lex_blocks WHERE cid = ?')
        .pluck(),
      docTermCount: db
        .prepare(
          "SELECT coalesce(sum(length(terms) - length(replace(terms, ' ', '')) + 1), 0) FROM lex_docs WHERE cid = ?",
        )
        .pluck(),
    };
  }

  stats(name: string): CollectionStats | undefined {
    return this.s.collection.get(name) as CollectionStats | undefined;
  }

  /** The collection's terms that start with `prefix` (one or more characters), with their document frequencies. */
  vocabulary(cid: number, prefix: string): { term: string; df: number }[] {
    const chars = [...prefix];
    const last = chars.pop()!;
    const end = chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
    return this.s.vocabulary.all(cid, prefix, end) as { term: string; df: number }[];
  }

  /** Which of `terms` the collection has, with their document frequencies. */
  frequencies(cid: number, terms: readonly string[]): { term: string; df: number }[] {
    if (terms.length === 0) return [];
    return this.s.frequencies.all(cid, JSON.stringify(terms)) as { term: string; df: number }[];
  }

  metas(cid: number, term: string): BlockMeta[] {
    return this.s.metas.all(cid, term) as BlockMeta[];
  }

  block(cid: number, term: string, meta: BlockMeta): Block {
    return decodeBlock(this.s.data.get(cid, term, meta.key) as Buffer, meta.count);
  }

  docId(cid: number, num: number): string | undefined {
    return this.s.docId.get(cid, num) as string | undefined;
  }

  /** Every document id of a collection (unordered). */
  docIds(cid: number): string[] {
    return this.s.docIds.all(cid) as string[];
  }

  docNum(cid: number, id: string): number | undefined {
    return this.s.docNum.get(cid, id) as number | undefined;
  }

  /** Total postings of a collection (consistency checks: equals the sum of live documents' distinct terms). */
  postingCount(cid: number): number {
    return this.s.postingCount.get(cid) as number;
  }

  /** Postings the live documents should have (the sum of their distinct terms). */
  docTermCount(cid: number): number {
    return this.s.docTermCount.get(cid) as number;
  }

  drop(name: string): void {
    const col = this.stats(name);
    if (!col) return;
    this.s.dropBlocks.run(col.cid);
    this.s.dropDocs.run(col.cid);
    this.s.dropCollection.run(col.cid);
  }

  /** The collection's row, made (empty, English) when it has none. Call inside a write transaction. */
  private ensure(name: string): CollectionStats {
    let col = this.stats(name);
    if (!col) {
      this.s.newCollection.run(name);
      col = this.stats(name)!;
    }
    return col;
  }

  /** Records the language the collection's documents are analyzed in from now on. Call inside a write transaction. */
  setLanguage(name: string, language: string): void {
    this.s.setLanguage.run(language, this.ensure(name).cid);
  }

  /** Replaces (or, with an empty tf, removes) each document. Call inside a write transaction. */
  write(name: string, docs: AnalyzedDoc[]): void {
    if (docs.length === 0) return;
    const col = this.ensure(name);
    const removals = new Map<string, number[]>();
    const additions = new Map<string, Flat>();
    // The last write of an id in one batch wins.
    const latest = new Map(docs.map((d) => [d.id, d]));
    for (const { id, tf } of latest.values()) {
      const old = this.s.doc.get(col.cid, id) as
        { num: number; length: number; terms: string } | undefined;
      if (old) {
        for (const term of old.terms.split(' ')) push(removals, term, old.num);
        this.s.deleteDoc.run(col.cid, id);
        col.docs--;
        col.totalLength -= old.length;
      }
      if (tf.size === 0) continue;
      const num = col.nextNum++;
      let length = 0;
      for (const n of tf.values()) length += n;
      this.s.insertDoc.run(col.cid, id, num, length, [...tf.keys()].join(' '));
      for (const [term, n] of tf) {
        const list = additions.get(term);
        if (list) list.push(num, n, length);
        else additions.set(term, [num, n, length]);
      }
      col.docs++;
      col.totalLength += length;
    }
    for (const [term, nums] of removals) this.removeFrom(col.cid, term, nums);
    for (const [term, rows] of additions) this.appendTo(col.cid, term, rows);
    this.s.saveCollection.run(col.docs, col.totalLength, col.nextNum, col.cid);
  }

  private removeFrom(cid: number, term: string, nums: number[]): void {
    nums.sort((a, b) => a - b);
    let i = 0;
    while (i < nums.length) {
      const row = this.s.blockAt.get(cid, term, nums[i]) as
        { key: number; count: number; data: Buffer } | undefined;
      if (!row) {
        i++; // not indexed under this term (cannot happen when the doc row and blocks agree); nothing to remove
        continue;
      }
      const block = decodeBlock(row.data, row.count);
      const last = block.nums[block.nums.length - 1]!;
      const drop = new Set<number>();
      while (i < nums.length && nums[i]! <= last) drop.add(nums[i++]!);
      const kept: Flat = [];
      for (let j = 0; j < block.nums.length; j++) {
        if (!drop.has(block.nums[j]!)) kept.push(block.nums[j]!, block.tfs[j]!, block.lens[j]!);
      }
      if (kept.length === 0) this.s.deleteBlock.run(cid, term, row.key);
      else this.put(cid, term, row.key, kept, 0, kept.length / 3);
    }
  }

  private appendTo(cid: number, term: string, rows: Flat): void {
    let from = 0;
    const total = rows.length / 3;
    const last = this.s.lastBlock.get(cid, term) as
      { key: number; count: number; data: Buffer } | undefined;
    if (last && last.count < BLOCK_SIZE) {
      const take = Math.min(BLOCK_SIZE - last.count, total);
      const merged = flatOf(decodeBlock(last.data, last.count));
      for (let i = 0; i < take * 3; i++) merged.push(rows[i]!);
      this.put(cid, term, last.key, merged, 0, merged.length / 3);
      from = take;
    }
    for (let i = from; i < total; i += BLOCK_SIZE) {
      this.put(cid, term, rows[3 * i]!, rows, i, Math.min(BLOCK_SIZE, total - i));
    }
  }

  /** Writes postings [from, from + count) of `rows` as the block `key`, with its max tf and min length. */
  private put(
    cid: number,
    term: string,
    key: number,
    rows: Flat,
    from: number,
    count: number,
  ): void {
    const data = new Uint32Array(count * 3);
    let maxTf = 0;
    let minLen = Infinity;
    for (let i = 0; i < count; i++) {
      const num = rows[3 * (from + i)]!;
      const tf = rows[3 * (from + i) + 1]!;
      const len = rows[3 * (from + i) + 2]!;
      data[i] = num;
      data[count + i] = tf;
      data[2 * count + i] = len;
      if (tf > maxTf) maxTf = tf;
      if (len < minLen) minLen = len;
    }
    const lastNum = data[count - 1]!;
    this.s.putBlock.run(cid, term, key, lastNum, count, maxTf, minLen, Buffer.from(data.buffer));
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Index files from before languages were recorded get the column (null: English, as they were built). */
function addLanguageColumn(db: Database.Database): void {
  const has = () =>
    (db.prepare('PRAGMA table_info(lex_collections)').all() as { name: string }[]).some(
      (c) => c.name === 'language',
    );
  if (has()) return;
  try {
    db.exec('ALTER TABLE lex_collections ADD COLUMN language TEXT');
  } catch (e) {
    // Another connection (a worker thread, a second process) added it first.
    if (!has()) throw e;
  }
}
