import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Rng } from '../../rerankers/random.js';
import { termFrequencies } from '../../src/lexical/analyzer.js';
import { Bm25Index, type LexicalDoc } from '../../src/lexical/bm25-index.js';
import { topKMaxScore, type TermPostings } from '../../src/lexical/max-score.js';
import { BLOCK_SIZE, type Block, type BlockMeta } from '../../src/lexical/postings.js';

/** Exhaustive BM25 (every match scored, full sort): what the pruned top-k must reproduce. */
const analyzed = new WeakMap<Map<string, string>, Map<string, Map<string, number>>>();
function reference(
  docs: Map<string, string>,
  query: string,
  k: number,
  keep: (id: string) => boolean = () => true,
) {
  let tfs = analyzed.get(docs);
  if (!tfs) {
    tfs = new Map([...docs].map(([id, text]) => [id, termFrequencies(text)]));
    for (const [id, tf] of tfs) if (tf.size === 0) tfs.delete(id);
    analyzed.set(docs, tfs);
  }
  const n = tfs.size;
  const length = (tf: Map<string, number>) => [...tf.values()].reduce((a, b) => a + b, 0);
  const avgdl = [...tfs.values()].reduce((a, tf) => a + length(tf), 0) / n;
  const scores = new Map<string, number>();
  for (const [term, qtf] of termFrequencies(query)) {
    const df = [...tfs.values()].filter((tf) => tf.has(term)).length;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    for (const [id, tf] of tfs) {
      const f = tf.get(term);
      if (!f || !keep(id)) continue;
      const s = (idf * qtf * f * 2.2) / (f + 1.2 * (1 - 0.75 + (0.75 * length(tf)) / avgdl));
      scores.set(id, (scores.get(id) ?? 0) + s);
    }
  }
  return [...scores].sort((a, b) => b[1] - a[1]).slice(0, k);
}

/** Zipf-like vocabulary, so a few terms have postings spanning many blocks and most have few. */
function corpus(rng: Rng, n: number, prefix: string, vocabulary = 400): LexicalDoc[] {
  const word = () => `w${Math.floor(vocabulary ** rng.next())}x`;
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    text: Array.from({ length: 3 + Math.floor(rng.next() * 30) }, word).join(' '),
  }));
}

function expectSameTop(got: { id: string; score: number }[], want: [string, number][]) {
  expect(got.length).toBe(want.length);
  got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]![1], 9));
  // Ids agree wherever the score is not tied with a neighbour.
  const scores = want.map(([, s]) => s);
  got.forEach((h, i) => {
    const tied = scores.filter((s) => Math.abs(s - h.score) < 1e-9).length > 1;
    if (!tied) expect(h.id).toBe(want[i]![0]);
  });
}

describe('BM25 top-k on disk (block-max MaxScore)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'chorus-bm25-topk-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns exactly the exhaustive top-k across queries, depths, rewrites and deletes', () => {
    const rng = new Rng(7);
    const idx = new Bm25Index(path.join(dir, 'lex.sqlite'));
    const live = new Map<string, string>();
    const docs = corpus(rng, 3000, 'd');
    for (let i = 0; i < docs.length; i += 500) idx.upsert('c', docs.slice(i, i + 500));
    for (const d of docs) live.set(d.id, d.text);
    // Rewrite a fifth, delete a tenth, and empty a few (empty text removes).
    const rewrites = corpus(rng, 600, 'd').map((d, i) => ({ id: `d${i * 5}`, text: d.text }));
    idx.upsert('c', rewrites);
    for (const d of rewrites) live.set(d.id, d.text);
    const deleted = Array.from({ length: 300 }, (_, i) => `d${i * 10 + 3}`);
    idx.delete('c', deleted);
    for (const id of deleted) live.delete(id);
    idx.upsert('c', [
      { id: 'd1', text: '' },
      { id: 'd2', text: 'the of and' },
    ]);
    live.delete('d1');
    live.delete('d2');
    expect(idx.count('c')).toBe(live.size);

    const queries = [
      'w1x w2x',
      'w1x w3x w40x w150x',
      'w7x w7x w300x',
      'w2x',
      'w399x w1x',
      'w5x w6x w8x w9x w10x w11x',
    ];
    for (const q of queries) {
      for (const k of [1, 10, 100]) expectSameTop(idx.search('c', q, k), reference(live, q, k));
    }
    expect(idx.search('c', 'nothingmatches', 10)).toEqual([]);
    idx.close();
  });

  it('pushes only / exclude sets into scoring with the same top-k as filtering everything', () => {
    const rng = new Rng(11);
    const idx = new Bm25Index(path.join(dir, 'lex.sqlite'));
    const docs = corpus(rng, 2000, 'p');
    idx.upsert('c', docs);
    const live = new Map(docs.map((d) => [d.id, d.text]));
    const only = new Set(docs.filter((_, i) => i % 7 === 0).map((d) => d.id));
    const exclude = new Set(docs.filter((_, i) => i % 3 === 0).map((d) => d.id));
    for (const q of ['w1x w2x', 'w3x w30x']) {
      expectSameTop(
        idx.search('c', q, 20, { only }),
        reference(live, q, 20, (id) => only.has(id)),
      );
      expectSameTop(
        idx.search('c', q, 20, { exclude }),
        reference(live, q, 20, (id) => !exclude.has(id)),
      );
    }
    idx.close();
  });

  it('leaves no orphan postings after upserts, rewrites, deletes and a dropped collection', () => {
    const rng = new Rng(3);
    const idx = new Bm25Index(path.join(dir, 'lex.sqlite'));
    idx.upsert('a', corpus(rng, 1000, 'x'));
    idx.upsert('b', corpus(rng, 200, 'x'));
    idx.upsert('a', corpus(rng, 400, 'x')); // rewrites x0..x399
    idx.delete('a', Array.from({ length: 100 }, (_, i) => `x${i * 3}`).concat(['never-indexed']));
    const a = idx.consistency('a');
    expect(a.docs).toBe(900); // deleting an id that was never indexed changes nothing
    expect(a.postings).toBe(a.expected);
    expect(a.postings).toBeGreaterThan(0);
    idx.dropCollection('b');
    expect(idx.consistency('b')).toEqual({ docs: 0, postings: 0, expected: 0 });
    idx.delete(
      'a',
      Array.from({ length: 1000 }, (_, i) => `x${i}`),
    );
    expect(idx.consistency('a')).toEqual({ docs: 0, postings: 0, expected: 0 });
    expect(idx.search('a', 'w1x', 10)).toEqual([]);
    idx.close();
  });

  it('opens without loading postings and migrates a legacy per-document table once', () => {
    const file = path.join(dir, 'legacy.sqlite');
    const db = new Database(file);
    db.exec(`CREATE TABLE bm25_docs (collection TEXT NOT NULL, doc_id TEXT NOT NULL, length INTEGER NOT NULL, terms TEXT NOT NULL,
      PRIMARY KEY (collection, doc_id)) WITHOUT ROWID;
      CREATE TABLE bm25_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, doc_id TEXT NOT NULL);`);
    const put = db.prepare('INSERT INTO bm25_docs VALUES (?, ?, ?, ?)');
    put.run('c', 'a', 2, JSON.stringify([...termFrequencies('red dress')]));
    put.run('c', 'b', 2, JSON.stringify([...termFrequencies('blue dress')]));
    db.close();
    const idx = new Bm25Index(file);
    expect(idx.count('c')).toBe(2);
    expect(idx.search('c', 'red dresses', 10).map((h) => h.id)).toEqual(['a', 'b']);
    expect(idx.consistency('c').postings).toBe(4);
    idx.close();
    const again = new Bm25Index(file);
    expect(again.count('c')).toBe(2);
    again.close();
  });
});

describe('topKMaxScore', () => {
  /** One term's postings in blocks, counting the blocks a search reads. */
  function list(
    weight: number,
    postings: [number, number, number][],
    reads: { n: number },
  ): TermPostings {
    const blocks: { meta: BlockMeta; block: Block }[] = [];
    for (let i = 0; i < postings.length; i += BLOCK_SIZE) {
      const rows = postings.slice(i, i + BLOCK_SIZE);
      blocks.push({
        meta: {
          key: rows[0]![0],
          last: rows[rows.length - 1]![0],
          count: rows.length,
          maxTf: Math.max(...rows.map((r) => r[1])),
          minLen: Math.min(...rows.map((r) => r[2])),
        },
        block: {
          nums: Uint32Array.from(rows, (r) => r[0]),
          tfs: Uint32Array.from(rows, (r) => r[1]),
          lens: Uint32Array.from(rows, (r) => r[2]),
        },
      });
    }
    return {
      weight,
      metas: blocks.map((b) => b.meta),
      load: (m) => {
        reads.n++;
        return blocks.find((b) => b.meta.key === m.key)!.block;
      },
    };
  }

  it('skips most blocks of a common term once a rare term sets the threshold', () => {
    const common = { n: 0 };
    const rare = { n: 0 };
    const n = 64 * BLOCK_SIZE;
    const commonList = list(
      0.05,
      Array.from({ length: n }, (_, i) => [i + 1, 1, 10] as [number, number, number]),
      common,
    );
    const rareList = list(
      5,
      [
        [100, 1, 10],
        [2000, 2, 10],
        [4000, 1, 10],
      ],
      rare,
    );
    const top = topKMaxScore([commonList, rareList], 3, { k1: 1.2, b: 0.75, avgdl: 10 });
    expect(top.map((t) => t.num)).toEqual([2000, 100, 4000]);
    // The common term is read only where the first hits had to fill the heap and where it is probed for the rare hits.
    expect(common.n).toBeLessThan(8);
    expect(rare.n).toBe(1);
  });

  it('skips the blocks of a common term that stays essential wherever their bounds cannot beat θ', () => {
    // k is deeper than the rare term's matches, so the k-th best is a common-term-only document and the common
    // term can never become non-essential; its one strong block keeps its global bound above θ.
    const common = { n: 0 };
    const n = 64 * BLOCK_SIZE;
    const postings = Array.from(
      { length: n },
      (_, i) => [i + 1, i + 1 === 2 * BLOCK_SIZE + 5 ? 3 : 1, 10] as [number, number, number],
    );
    const commonList = list(0.05, postings, common);
    const rareList = list(
      5,
      [
        [100, 1, 10],
        [3000, 1, 10],
      ],
      { n: 0 },
    );
    const p = { k1: 1.2, b: 0.75, avgdl: 10 };
    const top = topKMaxScore([commonList, rareList], 5, p);
    // Exhaustive reference: every posting scored, best first, ties to the lower number.
    const score = (w: number, tf: number, len: number) =>
      (w * tf * 2.2) / (tf + 1.2 * (1 - 0.75) + ((1.2 * 0.75) / 10) * len);
    const all = new Map<number, number>();
    for (const [num, tf, len] of postings) all.set(num, score(0.05, tf, len));
    for (const num of [100, 3000]) all.set(num, all.get(num)! + score(5, 1, 10));
    const want = [...all].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5);
    expect(top.map((t) => [t.num, t.score])).toEqual(want);
    // Read: the blocks before θ settled, the strong one, and the ones holding the rare term's documents.
    expect(common.n).toBeLessThan(8);
  });

  it('matches the exhaustive top-k exactly in every kind of window, with ties at the k-th place and a filter', () => {
    // No document holds more than two terms, so its score is the same whatever order its terms are added in
    // (a + b === b + a): the pruned top-k must equal the exhaustive one number for number. Terms: a dense common
    // one (short windows of one essential term), two medium ones sharing documents (windows scoring several terms
    // into the accumulator, visited by scan or by sorted offsets), a sparse one spread over windows of the full
    // width, and many documents with the same tf and length (equal scores across the k-th place).
    const rng = new Rng(23);
    const p = { k1: 1.2, b: 0.75, avgdl: 12 };
    const n = 30_000;
    const terms: Map<number, [number, number]>[] = [new Map(), new Map(), new Map(), new Map()];
    const weights = [0.4, 1.6, 1.9, 6];
    const lens = Array.from({ length: n + 1 }, () => 4 + Math.floor(rng.next() * 20));
    for (let d = 1; d <= n; d++) {
      const r = rng.next();
      const tf = () => (rng.next() < 0.8 ? 1 : 2 + Math.floor(rng.next() * 3));
      if (d % 7 === 0)
        terms[0]!.set(d, [1, 10]); // equal scores: common term only, same tf and length
      else if (r < 0.55) terms[0]!.set(d, [tf(), lens[d]!]);
      else if (r < 0.65) {
        terms[1]!.set(d, [tf(), lens[d]!]);
        if (rng.next() < 0.5) terms[2]!.set(d, [tf(), lens[d]!]);
      } else if (r < 0.7) terms[2]!.set(d, [tf(), lens[d]!]);
      else if (r < 0.703) {
        terms[3]!.set(d, [tf(), lens[d]!]);
        if (rng.next() < 0.5) terms[0]!.set(d, [tf(), lens[d]!]);
      }
    }
    const score = (w: number, tf: number, len: number) =>
      (w * tf * (p.k1 + 1)) / (tf + p.k1 * (1 - p.b) + ((p.k1 * p.b) / p.avgdl) * len);
    const lists = terms.map((t, i) =>
      list(
        weights[i]!,
        [...t].map(([d, [tf, len]]) => [d, tf, len] as [number, number, number]),
        { n: 0 },
      ),
    );
    const exhaustive = (k: number, which: number[], keep: (d: number) => boolean) => {
      const all = new Map<number, number>();
      for (const i of which) {
        for (const [d, [tf, len]] of terms[i]!) {
          if (keep(d)) all.set(d, (all.get(d) ?? 0) + score(weights[i]!, tf, len));
        }
      }
      return [...all].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
    };
    const odd = (d: number) => d % 2 === 1;
    for (const k of [1, 10, 100, 1000, 5000]) {
      for (const which of [
        [0, 1, 2, 3],
        [1, 2, 3],
        [0, 3],
        [1, 2],
      ]) {
        const subset = which.map((i) => lists[i]!);
        const got = topKMaxScore(subset, k, p).map((t) => [t.num, t.score]);
        expect(got).toEqual(exhaustive(k, which, () => true));
        const filtered = topKMaxScore(subset, k, p, odd).map((t) => [t.num, t.score]);
        expect(filtered).toEqual(exhaustive(k, which, odd));
      }
    }
  });

  it('breaks equal scores by the lower document number and keeps k', () => {
    const reads = { n: 0 };
    const flat = list(
      1,
      Array.from({ length: 500 }, (_, i) => [i + 1, 1, 10] as [number, number, number]),
      reads,
    );
    const top = topKMaxScore([flat], 5, { k1: 1.2, b: 0.75, avgdl: 10 });
    expect(top.map((t) => t.num)).toEqual([1, 2, 3, 4, 5]);
    expect(topKMaxScore([flat], 0, { k1: 1.2, b: 0.75, avgdl: 10 })).toEqual([]);
  });
});
