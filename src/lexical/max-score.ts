import type { Block, BlockMeta } from './postings.js';

/**
 * Top-k BM25 without scoring every match: each query term's postings (ordered by doc number) walked in document
 * order with MaxScore pruning (Turtle & Flood 1995) and block-max bounds (Ding & Suel 2011). Terms are ordered by
 * their best possible contribution; once the k-th best score θ exceeds the summed bounds of the weakest terms, those
 * terms can no longer bring a document in on their own, so they are only probed for documents found through the
 * others, and a probe first checks the target block's bound before the block is read at all. The terms that can
 * still bring documents in are taken a window at a time (see topKMaxScore) and skipped where their blocks' bounds
 * cannot beat θ either: a common term beside rare ones (top k deeper than the rare terms' few matches) is then read
 * only near the rare terms' documents and in its few strong blocks. A block's bound is its max tf / min length
 * (kept on disk beside it) until a query reads it, then its exact best (kept with the term's cached block list).
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

/** Bounds must not fall below a score by rounding: w x best may differ from the score's own rounding by ulps. */
const ROUNDING_MARGIN = 1 + 1e-9;

const EMPTY = new Uint32Array(0);

interface Params {
  k1: number;
  k1p1: number;
  norm0: number;
  norm1: number;
}

/**
 * Per block of a term, a bound of its scores for one term weight: at first the score of the stored pair (max tf,
 * min length), which no single posting need have, computed as every score is (so a block of equal postings is
 * bounded by exactly their score); once a query has read the block, its exact best times the weight (with a
 * rounding margin) where that is lower. Kept per block list (the read cache keeps the lists of hot terms, and drops
 * them when the index changes) with the parameters it holds for, so later queries bound a block by its exact best
 * without reading it, and the term by the best of those.
 */
interface BoundTable {
  k1: number;
  norm0: number;
  norm1: number;
  /** Each block's exact best tf-part of the score (tf (k1 + 1) / (tf + k1 (1 - b + b len / avgdl))), NaN unread. */
  exact: Float64Array;
  /** The weight `bound` holds for, each block's bound, and the largest (NaN after one went down). */
  weight: number;
  bound: Float64Array;
  max: number;
}

const boundTables = new WeakMap<BlockMeta[], BoundTable>();

function boundTableOf(metas: BlockMeta[], p: Params, weight: number): BoundTable {
  let t = boundTables.get(metas);
  if (!t || t.k1 !== p.k1 || t.norm0 !== p.norm0 || t.norm1 !== p.norm1) {
    const exact = new Float64Array(metas.length).fill(NaN);
    t = { ...p, exact, weight: NaN, bound: new Float64Array(metas.length), max: NaN };
    boundTables.set(metas, t);
  }
  if (t.weight !== weight) {
    const { bound, exact } = t;
    for (let i = 0; i < metas.length; i++) {
      const m = metas[i]!;
      const stored = (weight * m.maxTf * p.k1p1) / (m.maxTf + p.norm0 + p.norm1 * m.minLen);
      const best = weight * exact[i]! * ROUNDING_MARGIN; // NaN (unread) never wins the comparison
      bound[i] = best < stored ? best : stored;
    }
    t.weight = weight;
    t.max = NaN;
  }
  if (Number.isNaN(t.max)) {
    let max = 0;
    for (let i = 0; i < t.bound.length; i++) if (t.bound[i]! > max) max = t.bound[i]!;
    t.max = max;
  }
  return t;
}

/** A read block's exact best impact. */
function bestImpactOf(b: Block, p: Params): number {
  let value = 0;
  for (let i = 0; i < b.nums.length; i++) {
    const tf = b.tfs[i]!;
    const f = (tf * p.k1p1) / (tf + p.norm0 + p.norm1 * b.lens[i]!);
    if (f > value) value = f;
  }
  return value;
}

/**
 * A position in one term's postings. Until a block is needed it stays unread: `doc` is then a lower bound of its
 * next document (the block's key, or a later position a skip moved it to), so windows and skips can be planned
 * from the block list alone.
 */
class Cursor {
  bi = 0;
  pos = 0;
  /** The current document (loaded), a lower bound of it (unread), or Infinity when exhausted. */
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
  private readonly bounds: BoundTable;

  constructor(
    readonly list: TermPostings,
    private readonly p: Params,
  ) {
    this.weight = list.weight;
    this.metas = list.metas;
    this.bounds = boundTableOf(this.metas, p, this.weight);
    this.ub = this.bounds.max;
    this.enterBlock(0);
  }

  /** Reads the current block and moves onto its first document >= the lower bound `doc`. */
  load(): void {
    const b = this.list.load(this.metas[this.bi]!);
    this.nums = b.nums;
    this.tfs = b.tfs;
    this.lens = b.lens;
    this.loaded = true;
    this.pos = 0;
    this.seekInBlock(this.doc);
    const t = this.bounds;
    if (Number.isNaN(t.exact[this.bi]!)) {
      // The block's first read while the table is current: its exact best may bound it lower than the stored pair.
      const exact = bestImpactOf(b, this.p);
      t.exact[this.bi] = exact;
      const best = this.weight * exact * ROUNDING_MARGIN;
      if (best < t.bound[this.bi]!) {
        t.bound[this.bi] = best;
        t.max = NaN;
        this.blockUb = best;
      }
    }
  }

  /** The current posting's score (loaded). */
  current(): number {
    const tf = this.tfs[this.pos]!;
    const p = this.p;
    // The same expression (and so the same rounding) as in the window loops.
    return (this.weight * tf * p.k1p1) / (tf + p.norm0 + p.norm1 * this.lens[this.pos]!);
  }

  /**
   * On the first posting >= d, reading no block it can skip whole; a block it stops in stays unread when d is at
   * or before its key (then `doc` is that lower bound).
   */
  advanceTo(d: number): void {
    if (this.doc >= d) return;
    this.skipBlocksTo(d);
    if (this.doc >= d) return;
    if (!this.loaded) {
      this.doc = d;
      this.load();
    } else this.seekInBlock(d);
  }

  /** Past every posting < d without reading a block: one it stops in unread keeps d as its lower bound. */
  skipTo(d: number): void {
    if (this.doc >= d) return;
    this.skipBlocksTo(d);
    if (this.doc >= d) return;
    if (this.loaded) this.seekInBlock(d);
    else this.doc = d;
  }

  /** Onto the block that could hold d (whole blocks passed, none read). */
  skipBlocksTo(d: number): void {
    if (this.blockLast >= d || this.doc === Infinity) return;
    let bi = this.bi + 1;
    while (bi < this.metas.length && this.metas[bi]!.last < d) bi++;
    this.enterBlock(bi);
  }

  /**
   * Onto the read block's first posting >= d (the block's last is >= d). Probes come in document order, so the
   * target is usually a step or two on: look there first, then halve what is left.
   */
  private seekInBlock(d: number): void {
    const nums = this.nums;
    let lo = this.pos;
    const near = Math.min(lo + 4, nums.length - 1);
    while (lo < near && nums[lo]! < d) lo++;
    let hi = nums.length - 1;
    if (nums[lo]! < d) {
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (nums[mid]! < d) lo = mid + 1;
        else hi = mid;
      }
    }
    this.pos = lo;
    this.doc = nums[lo]!;
  }

  /** Past the read block's postings < hi (the block's last is >= hi - 1), scoring them into the window. */
  scoreWindow(lo: number, hi: number, w: Window, k1p1: number, norm0: number, norm1: number): void {
    const { nums, tfs, lens } = this;
    const { acc, mark, touched } = w;
    const weight = this.weight;
    let pos = this.pos;
    const n = nums.length;
    let t = w.count;
    for (; pos < n; pos++) {
      const d = nums[pos]!;
      if (d >= hi) break;
      const tf = tfs[pos]!;
      // The same expression (and so the same rounding) as current().
      const s = (weight * tf * k1p1) / (tf + norm0 + norm1 * lens[pos]!);
      const off = d - lo;
      if (mark[off] === 0) {
        mark[off] = 1;
        touched[t++] = off;
        acc[off] = s;
      } else acc[off] = acc[off]! + s;
    }
    w.count = t;
    this.moveTo(pos);
  }

  /** Onto position pos of the read block (its end: the next block). */
  moveTo(pos: number): void {
    if (pos < this.nums.length) {
      this.pos = pos;
      this.doc = this.nums[pos]!;
    } else this.enterBlock(this.bi + 1);
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
    this.blockUb = this.bounds.bound[bi]!;
  }
}

/**
 * Documents per window at most: the essential terms' postings in a window are scored term by term into a dense
 * accumulator (a tight loop per block instead of a merge step per document), then visited in document order.
 */
const WINDOW = 4096;

/** Scratch for one window (topKMaxScore is synchronous, so one set serves every call). */
interface Window {
  acc: Float64Array;
  /** 1 where acc holds a document of this window. */
  mark: Uint8Array;
  /** The offsets marked, in the order first scored. */
  touched: Int32Array;
  count: number;
  /** True while a window is being visited. */
  dirty: boolean;
}

const scratch: Window = {
  acc: new Float64Array(WINDOW),
  mark: new Uint8Array(WINDOW),
  touched: new Int32Array(WINDOW),
  count: 0,
  dirty: false,
};

/** Sorts a[0, n) ascending (insertion sort: windows hold few documents when they are sparse). */
function sortSmall(a: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

/**
 * Top-k by BM25, best first. Works window by window in document order: a window ends where one of the essential
 * cursors' current blocks ends (at most WINDOW documents), so its documents can only score the essential blocks'
 * bounds plus every non-essential bound; a window that cannot beat θ is skipped without reading a block. Otherwise,
 * with one essential term in the window its postings are the candidates as they come; with several, they score
 * their postings in it term by term into an accumulator (weakest first, the order a document's sum always adds
 * them), and its documents then go in document order. Each candidate that can still beat θ goes through the
 * non-essential probes (strongest first, stopping once the rest cannot lift it past θ) and the heap.
 */
export function topKMaxScore(
  lists: TermPostings[],
  k: number,
  p: ScoreParams,
  accept?: (num: number) => boolean,
): ScoredDoc[] {
  if (k <= 0) return [];
  const k1 = p.k1;
  const k1p1 = k1 + 1;
  const norm0 = p.k1 * (1 - p.b);
  const norm1 = (p.k1 * p.b) / p.avgdl;
  const params: Params = { k1, k1p1, norm0, norm1 };
  const cursors = lists.filter((l) => l.metas.length > 0).map((l) => new Cursor(l, params));
  cursors.sort((a, b) => a.ub - b.ub);
  const n = cursors.length;
  // prefix[i] = summed bounds of cursors 0..i-1 (the weakest first).
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + cursors[i]!.ub;
  const heap = new MinHeap(k);
  const w = scratch;
  const { acc, mark, touched } = w;
  let firstEssential = 0;
  let theta = 0;

  /**
   * A document whose essential terms (fe and up) sum to s: the non-essential ones, strongest first, stopping as
   * soon as the rest cannot lift it past θ, then the heap. Each bound is >= the score it bounds in floating point
   * too (the formula is monotone); sums may differ from the exact score by a few ulps, which only matters between
   * documents tied to ~1e-15.
   */
  const candidate = (d: number, s: number, fe: number): void => {
    if (accept !== undefined && !accept(d)) return;
    for (let i = fe - 1; i >= 0; i--) {
      if (s + prefix[i + 1]! <= theta) return;
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
  };

  for (;;) {
    // The window starts at the lowest position of the essential cursors (an unread block's is a lower bound).
    let lo = Infinity;
    for (let i = firstEssential; i < n; i++) {
      const x = cursors[i]!.doc;
      if (x < lo) lo = x;
    }
    if (lo === Infinity) break;
    // ... and ends where the first current block of a cursor in it ends: each essential cursor then has postings
    // in it from its current block only, whose bound holds for all of them.
    let hi = lo + WINDOW;
    for (let i = firstEssential; i < n; i++) {
      const c = cursors[i]!;
      if (c.doc < hi && c.blockLast + 1 < hi) hi = c.blockLast + 1;
    }
    let bound = prefix[firstEssential]!;
    let unread = false;
    for (let i = firstEssential; i < n; i++) {
      const c = cursors[i]!;
      if (c.doc < hi) {
        bound += c.blockUb;
        if (!c.loaded) unread = true;
      }
    }
    if (bound <= theta) {
      // No document in it can enter (a tie loses: every document in the heap has a lower number).
      for (let i = firstEssential; i < n; i++) cursors[i]!.skipTo(hi);
      continue;
    }
    if (unread) {
      // Read those blocks: their exact bounds may be lower (the window then may be skipped after all); documents
      // from lo on stay in the current blocks, so the window holds whatever they start at.
      for (let i = firstEssential; i < n; i++) {
        const c = cursors[i]!;
        if (c.doc < hi && !c.loaded) {
          const before = c.blockUb;
          c.load();
          bound -= before - c.blockUb;
        }
      }
      if (bound <= theta) {
        for (let i = firstEssential; i < n; i++) cursors[i]!.skipTo(hi);
        continue;
      }
    }
    const fe = firstEssential;
    // One essential cursor in the window (a common term beside rare ones, between their documents): its
    // postings are the candidates, in document order, with nothing to add up.
    let only: Cursor | undefined;
    let inWindow = 0;
    for (let i = fe; i < n; i++) {
      const c = cursors[i]!;
      if (c.doc < hi) {
        only = c;
        inWindow++;
      }
    }
    if (inWindow === 1) {
      const c = only!;
      const { nums, tfs, lens } = c;
      const weight = c.weight;
      const rest = prefix[fe]!;
      const last = nums.length;
      let pos = c.pos;
      for (; pos < last; pos++) {
        const d = nums[pos]!;
        if (d >= hi) break;
        const tf = tfs[pos]!;
        // The same expression (and so the same rounding) as current().
        const s = (weight * tf * k1p1) / (tf + norm0 + norm1 * lens[pos]!);
        // Every document in the heap has a lower number: a tie with θ loses.
        if (s + rest <= theta) continue;
        candidate(d, s, fe);
      }
      c.moveTo(pos);
      continue;
    }
    // A window left half visited (a throwing `accept`) left marks behind.
    if (w.dirty) mark.fill(0);
    w.dirty = true;
    w.count = 0;
    for (let i = fe; i < n; i++) {
      const c = cursors[i]!;
      if (c.doc < hi) c.scoreWindow(lo, hi, w, k1p1, norm0, norm1);
    }
    const count = w.count;
    // Document order: a tie with θ must lose to the documents already in the heap, never to later ones.
    const scan = count * 8 > hi - lo;
    if (!scan) {
      if (count <= 32) sortSmall(touched, count);
      else touched.subarray(0, count).sort();
    }
    const end = scan ? hi - lo : count;
    const rest = prefix[fe]!;
    for (let j = 0; j < end; j++) {
      const off = scan ? j : touched[j]!;
      if (scan && mark[off] === 0) continue;
      mark[off] = 0;
      const s = acc[off]!;
      // Every document in the heap has a lower number: a tie with θ loses.
      if (s + rest <= theta) continue;
      candidate(lo + off, s, fe);
    }
    w.dirty = false;
  }
  return heap.sorted();
}

/**
 * Bounded min-heap on (score, -num): the root is the entry the next better document evicts. Entries move by
 * holes (one write per level, the new entry written once), with the order test written out in place.
 */
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
    const nums = this.nums;
    const scores = this.scores;
    if (this.size < this.k) {
      // Up from the new leaf while the parent is better than the new entry.
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        const ps = scores[parent]!;
        if (!(ps > score || (ps === score && nums[parent]! < num))) break;
        scores[i] = ps;
        nums[i] = nums[parent]!;
        i = parent;
      }
      scores[i] = score;
      nums[i] = num;
      return this.size === this.k;
    }
    // The root must be worse than (num, score): a lower score, or an equal one with a higher number.
    const rs = scores[0]!;
    if (!(rs < score || (rs === score && nums[0]! > num))) return false;
    // Down from the root: the worse child moves up while it is worse than the new entry.
    const size = this.size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      let m = l;
      let ms = scores[l]!;
      const r = l + 1;
      if (r < size) {
        const rs2 = scores[r]!;
        if (rs2 < ms || (rs2 === ms && nums[r]! > nums[l]!)) {
          m = r;
          ms = rs2;
        }
      }
      if (!(ms < score || (ms === score && nums[m]! > num))) break;
      scores[i] = ms;
      nums[i] = nums[m]!;
      i = m;
    }
    scores[i] = score;
    nums[i] = num;
    return true;
  }

  sorted(): ScoredDoc[] {
    const out: ScoredDoc[] = [];
    for (let i = 0; i < this.size; i++) out.push({ num: this.nums[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.num - b.num);
  }
}
