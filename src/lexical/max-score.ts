import type { Block, BlockMeta } from './postings.js';

/**
 * Top-k BM25 without scoring every match: document-at-a-time over each query term's postings (ordered by doc
 * number) with MaxScore pruning (Turtle & Flood 1995) at block granularity. Terms are ordered by their best
 * possible contribution; once the k-th best score θ exceeds the summed bounds of the weakest terms, those
 * terms can no longer bring a document in on their own, so they are only probed for documents found through
 * the others, and a probe first checks the target block's bound (its max tf / min length, kept on disk beside
 * it) before the block is read at all. Results keep a bounded heap of k; equal scores go to the lower doc
 * number, so results are deterministic.
 */
export interface TermPostings {
  /** idf x query term frequency. */
  weight: number;
  metas: BlockMeta[];
  load(meta: BlockMeta): Block;
}

export interface ScoreParams {
  k1: number;
  b: number;
  avgdl: number;
}

export interface ScoredDoc {
  num: number;
  score: number;
}

class Cursor {
  bi = 0;
  pos = 0;
  block: Block | undefined;
  readonly ub: number;

  constructor(
    readonly list: TermPostings,
    private readonly score: (w: number, tf: number, len: number) => number,
  ) {
    let ub = 0;
    for (const m of list.metas) ub = Math.max(ub, this.blockUb(m));
    this.ub = ub;
  }

  blockUb(m: BlockMeta): number {
    return this.score(this.list.weight, m.maxTf, m.minLen);
  }

  /** Current doc number (loads the current block), Infinity when exhausted. */
  doc(): number {
    if (this.bi >= this.list.metas.length) return Infinity;
    this.block ??= this.list.load(this.list.metas[this.bi]!);
    return this.block.nums[this.pos]!;
  }

  next(): void {
    if (++this.pos >= this.block!.nums.length) this.nextBlock();
  }

  current(): number {
    return this.score(this.list.weight, this.block!.tfs[this.pos]!, this.block!.lens[this.pos]!);
  }

  /** Moves to the block that could hold `d` without reading any block; false when none can. */
  skipBlocksTo(d: number): boolean {
    const metas = this.list.metas;
    while (this.bi < metas.length && metas[this.bi]!.last < d) this.nextBlock();
    return this.bi < metas.length;
  }

  /** Positions on the first posting >= d (call after skipBlocksTo returned true); returns that doc. */
  seek(d: number): number {
    const b = (this.block ??= this.list.load(this.list.metas[this.bi]!));
    let lo = this.pos;
    let hi = b.nums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b.nums[mid]! < d) lo = mid + 1;
      else hi = mid;
    }
    this.pos = lo;
    return b.nums[lo]!;
  }

  private nextBlock(): void {
    this.bi++;
    this.pos = 0;
    this.block = undefined;
  }
}

export function topKMaxScore(
  lists: TermPostings[],
  k: number,
  p: ScoreParams,
  accept: (num: number) => boolean = () => true,
): ScoredDoc[] {
  const norm0 = p.k1 * (1 - p.b);
  const norm1 = (p.k1 * p.b) / p.avgdl;
  const score = (w: number, tf: number, len: number) =>
    (w * tf * (p.k1 + 1)) / (tf + norm0 + norm1 * len);
  const cursors = lists.filter((l) => l.metas.length > 0).map((l) => new Cursor(l, score));
  cursors.sort((a, b) => a.ub - b.ub);
  // prefix[i] = summed bounds of cursors 0..i-1 (the weakest first).
  const prefix = [0];
  for (const c of cursors) prefix.push(prefix[prefix.length - 1]! + c.ub);
  const heap = new MinHeap(k);
  let firstEssential = 0;

  for (;;) {
    let d = Infinity;
    for (let i = firstEssential; i < cursors.length; i++) d = Math.min(d, cursors[i]!.doc());
    if (d === Infinity) break;
    let s = 0;
    for (let i = firstEssential; i < cursors.length; i++) {
      const c = cursors[i]!;
      if (c.doc() === d) {
        s += c.current();
        c.next();
      }
    }
    if (!accept(d)) continue;
    // Each bound is >= the score it bounds in floating point too (the formula is monotone); sums may differ
    // from the exact score by a few ulps, which only matters between documents tied to ~1e-15.
    const theta = heap.threshold();
    // Non-essential terms, strongest first; stop as soon as the rest cannot lift d past θ.
    for (let i = firstEssential - 1; i >= 0; i--) {
      if (s + prefix[i + 1]! <= theta) break;
      const c = cursors[i]!;
      if (!c.skipBlocksTo(d)) continue;
      if (s + prefix[i]! + c.blockUb(c.list.metas[c.bi]!) <= theta) continue;
      if (c.seek(d) === d) s += c.current();
    }
    if (heap.offer(d, s)) {
      const t = heap.threshold();
      while (firstEssential < cursors.length && prefix[firstEssential + 1]! <= t) firstEssential++;
    }
  }
  return heap.sorted();
}

/** Bounded min-heap on (score, -num): the root is the entry the next better document evicts. */
class MinHeap {
  private readonly nums: number[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly k: number) {}

  /** Scores at or below this cannot enter (0 until full: every match scores > 0). */
  threshold(): number {
    return this.nums.length < this.k ? 0 : this.scores[0]!;
  }

  offer(num: number, score: number): boolean {
    if (this.k <= 0) return false;
    if (this.nums.length < this.k) {
      this.nums.push(num);
      this.scores.push(score);
      this.up(this.nums.length - 1);
      return this.nums.length === this.k;
    }
    if (!this.worse(0, num, score)) return false;
    this.nums[0] = num;
    this.scores[0] = score;
    this.down(0);
    return true;
  }

  sorted(): ScoredDoc[] {
    return this.nums
      .map((num, i) => ({ num, score: this.scores[i]! }))
      .sort((a, b) => b.score - a.score || a.num - b.num);
  }

  /** Is entry i worse than (num, score)? Lower score, or equal score and a higher doc number. */
  private worse(i: number, num: number, score: number): boolean {
    const s = this.scores[i]!;
    return s < score || (s === score && this.nums[i]! > num);
  }

  private less(i: number, j: number): boolean {
    return this.worse(i, this.nums[j]!, this.scores[j]!);
  }

  private swap(i: number, j: number): void {
    [this.nums[i], this.nums[j]] = [this.nums[j]!, this.nums[i]!];
    [this.scores[i], this.scores[j]] = [this.scores[j]!, this.scores[i]!];
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.nums.length && this.less(l, m)) m = l;
      if (r < this.nums.length && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
