import type { Block, BlockMeta } from './postings.js';

/**
 * Top-k BM25 without scoring every match: document-at-a-time over each query term's postings (ordered by doc
 * number) with MaxScore pruning (Turtle & Flood 1995) and block-max bounds (Ding & Suel 2011). Terms are ordered by
 * their best possible contribution; once the k-th best score θ exceeds the summed bounds of the weakest terms, those
 * terms can no longer bring a document in on their own, so they are only probed for documents found through the
 * others, and a probe first checks the target block's bound (its max tf / min length, kept on disk beside it)
 * before the block is read at all. The terms that can still bring documents in are skipped a block at a time where
 * their blocks' bounds cannot beat θ either: a common term beside rare ones (top k deeper than the rare terms' few
 * matches) is then read only near the rare terms' documents and in its few strong blocks, not posting by posting.
 * Results keep a bounded heap of k; equal scores go to the lower doc number, so results are deterministic.
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

type Score = (w: number, tf: number, len: number) => number;

/** Bounds must not fall below a score by rounding: w x best may differ from the score's own rounding by ulps. */
const ROUNDING_MARGIN = 1 + 1e-9;

const EMPTY = new Uint32Array(0);

/**
 * A read block's exact best tf-part of the score (tf (k1 + 1) / (tf + k1 (1 - b + b len / avgdl)); times the term
 * weight it bounds the block's scores). The stored bound pairs the block's max tf with its min length, which no
 * single posting may have; after its first read (the caller caches blocks) the exact best bounds it instead. Kept
 * on the block with the parameters it was computed for.
 */
function bestImpactOf(b: Block, k1: number, norm0: number, norm1: number): number {
  const known = b.best;
  if (known && known.norm0 === norm0 && known.norm1 === norm1 && known.k1 === k1)
    return known.value;
  let value = 0;
  for (let i = 0; i < b.nums.length; i++) {
    const tf = b.tfs[i]!;
    const f = (tf * (k1 + 1)) / (tf + norm0 + norm1 * b.lens[i]!);
    if (f > value) value = f;
  }
  b.best = { k1, norm0, norm1, value };
  return value;
}

/**
 * A position in one term's postings. Until a block is needed it stays unread: `doc` is then its key, a lower bound
 * of its first document, so candidates and skips can be planned from the block list alone.
 */
class Cursor {
  bi = 0;
  pos = 0;
  /** The current document, or the unread block's key (loaded false), or Infinity when exhausted. */
  doc = Infinity;
  loaded = false;
  /** Bound of the current block's best score, and its last document. */
  blockUb = 0;
  blockLast = 0;
  nums: Uint32Array = EMPTY;
  tfs: Uint32Array = EMPTY;
  lens: Uint32Array = EMPTY;
  readonly ub: number;
  readonly weight: number;
  readonly metas: BlockMeta[];

  constructor(
    readonly list: TermPostings,
    private readonly score: Score,
    private readonly p: { k1: number; norm0: number; norm1: number },
  ) {
    this.weight = list.weight;
    this.metas = list.metas;
    let ub = 0;
    for (const m of this.metas) ub = Math.max(ub, this.boundOf(m));
    this.ub = ub;
    this.enterBlock(0);
  }

  boundOf(m: BlockMeta): number {
    return this.score(this.weight, m.maxTf, m.minLen);
  }

  /** Reads the current block; its first document becomes `doc`. */
  load(): void {
    const b = this.list.load(this.metas[this.bi]!);
    this.nums = b.nums;
    this.tfs = b.tfs;
    this.lens = b.lens;
    this.loaded = true;
    this.doc = this.nums[this.pos]!;
    const exact =
      this.weight * bestImpactOf(b, this.p.k1, this.p.norm0, this.p.norm1) * ROUNDING_MARGIN;
    if (exact < this.blockUb) this.blockUb = exact;
  }

  /** The current posting's score (loaded). */
  current(): number {
    return this.score(this.weight, this.tfs[this.pos]!, this.lens[this.pos]!);
  }

  /** Past the current posting (loaded). */
  next(): void {
    if (++this.pos < this.nums.length) this.doc = this.nums[this.pos]!;
    else this.enterBlock(this.bi + 1);
  }

  /**
   * On the first posting >= d, reading no block it can skip whole; a block it stops in stays unread when d is at
   * or before its key (then `doc` is that lower bound).
   */
  advanceTo(d: number): void {
    if (this.doc >= d) return;
    this.skipBlocksTo(d);
    if (this.doc >= d) return;
    if (!this.loaded) this.load();
    const nums = this.nums;
    let lo = this.pos;
    let hi = nums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (nums[mid]! < d) lo = mid + 1;
      else hi = mid;
    }
    this.pos = lo;
    this.doc = nums[lo]!;
  }

  /** Onto the block that could hold d (whole blocks passed, none read). */
  skipBlocksTo(d: number): void {
    if (this.blockLast >= d || this.doc === Infinity) return;
    let bi = this.bi + 1;
    while (bi < this.metas.length && this.metas[bi]!.last < d) bi++;
    this.enterBlock(bi);
  }

  private enterBlock(bi: number): void {
    this.bi = bi;
    this.pos = 0;
    this.loaded = false;
    this.nums = EMPTY;
    const m = this.metas[bi];
    if (m === undefined) {
      this.doc = Infinity;
      return;
    }
    this.doc = m.key;
    this.blockLast = m.last;
    this.blockUb = this.boundOf(m);
  }
}

export function topKMaxScore(
  lists: TermPostings[],
  k: number,
  p: ScoreParams,
  accept?: (num: number) => boolean,
): ScoredDoc[] {
  if (k <= 0) return [];
  const k1 = p.k1;
  const norm0 = p.k1 * (1 - p.b);
  const norm1 = (p.k1 * p.b) / p.avgdl;
  const score: Score = (w, tf, len) => (w * tf * (k1 + 1)) / (tf + norm0 + norm1 * len);
  const cursors = lists
    .filter((l) => l.metas.length > 0)
    .map((l) => new Cursor(l, score, { k1, norm0, norm1 }));
  cursors.sort((a, b) => a.ub - b.ub);
  const n = cursors.length;
  // prefix[i] = summed bounds of cursors 0..i-1 (the weakest first).
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + cursors[i]!.ub;
  const heap = new MinHeap(k);
  let firstEssential = 0;
  let theta = 0;

  for (;;) {
    // The next candidate: the lowest position of the essential cursors (an unread block's key is a lower bound).
    let d = Infinity;
    for (let i = firstEssential; i < n; i++) {
      const x = cursors[i]!.doc;
      if (x < d) d = x;
    }
    if (d === Infinity) break;
    // Block-max: documents from d up to `end` can only be in the current blocks of the cursors at d (the other
    // essential cursors are beyond end), so they score at most those blocks' bounds plus every non-essential bound.
    let bound = prefix[firstEssential]!;
    let end = Infinity;
    let unread = false;
    for (let i = firstEssential; i < n; i++) {
      const c = cursors[i]!;
      if (c.doc === d) {
        bound += c.blockUb;
        if (c.blockLast + 1 < end) end = c.blockLast + 1;
        if (!c.loaded) unread = true;
      } else if (c.doc < end) end = c.doc;
    }
    if (bound <= theta) {
      // None of them can enter (a tie loses: every document in the heap has a lower number).
      for (let i = firstEssential; i < n; i++) cursors[i]!.advanceTo(end);
      continue;
    }
    if (unread) {
      // d was a block key: read those blocks, whose first documents may lie past it, and plan again.
      for (let i = firstEssential; i < n; i++) {
        const c = cursors[i]!;
        if (c.doc === d && !c.loaded) c.load();
      }
      continue;
    }
    let s = 0;
    for (let i = firstEssential; i < n; i++) {
      const c = cursors[i]!;
      if (c.doc === d) {
        s += c.current();
        c.next();
      }
    }
    if (accept !== undefined && !accept(d)) continue;
    // Each bound is >= the score it bounds in floating point too (the formula is monotone); sums may differ
    // from the exact score by a few ulps, which only matters between documents tied to ~1e-15.
    // Non-essential terms, strongest first; stop as soon as the rest cannot lift d past θ.
    for (let i = firstEssential - 1; i >= 0; i--) {
      if (s + prefix[i + 1]! <= theta) break;
      const c = cursors[i]!;
      c.skipBlocksTo(d);
      if (c.doc > d) continue; // exhausted, or d lies before its next posting or block
      if (s + prefix[i]! + c.blockUb <= theta) continue;
      c.advanceTo(d);
      if (!c.loaded && c.doc === d) c.load();
      if (c.doc === d) s += c.current();
    }
    if (heap.offer(d, s)) {
      theta = heap.threshold();
      while (firstEssential < n && prefix[firstEssential + 1]! <= theta) firstEssential++;
    }
  }
  return heap.sorted();
}

/** Bounded min-heap on (score, -num): the root is the entry the next better document evicts. */
class MinHeap {
  private readonly nums: Float64Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.nums = new Float64Array(k);
    this.scores = new Float64Array(k);
  }

  /** Scores at or below this cannot enter (0 until full: every match scores > 0). */
  threshold(): number {
    return this.size < this.k ? 0 : this.scores[0]!;
  }

  /** True when the threshold may have changed (the heap is full). */
  offer(num: number, score: number): boolean {
    if (this.size < this.k) {
      this.nums[this.size] = num;
      this.scores[this.size] = score;
      this.up(this.size++);
      return this.size === this.k;
    }
    if (!this.worse(0, num, score)) return false;
    this.nums[0] = num;
    this.scores[0] = score;
    this.down(0);
    return true;
  }

  sorted(): ScoredDoc[] {
    const out: ScoredDoc[] = [];
    for (let i = 0; i < this.size; i++) out.push({ num: this.nums[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.num - b.num);
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
    const n = this.nums[i]!;
    this.nums[i] = this.nums[j]!;
    this.nums[j] = n;
    const s = this.scores[i]!;
    this.scores[i] = this.scores[j]!;
    this.scores[j] = s;
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
      if (l < this.size && this.less(l, m)) m = l;
      if (r < this.size && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
