import type { Block, BlockMeta } from './postings.js';

/**
 * What BM25 queries read again and again from the postings file, kept decoded in memory: each term's block list
 * (a common term has thousands of blocks, re-read on every query that has it), the blocks MaxScore opens, and the
 * ids of the documents it returns. The owner clears it whenever the file changes (its own writes, and another
 * connection's commits seen through SQLite's data_version), so a cached read is always the current one.
 * Bounded: past `maxPostings` cached postings the oldest blocks go first. A decoded block hangs on its BlockMeta
 * object (from `metas`, kept here), so a query finds it without a lookup: a Map keyed by the meta cost a hash probe
 * per block opened, and a common term opens a thousand. Ids are kept by number per collection (a concatenated
 * string key was a new string to hash on every lookup).
 */
export class PostingsReadCache {
  private readonly metaLists = new Map<string, BlockMeta[]>();
  /** Metas holding a decoded block, oldest first from `head`. */
  private held: BlockMeta[] = [];
  private head = 0;
  private readonly ids = new Map<number, Map<number, string>>();
  private idCount = 0;
  private postings = 0;

  constructor(
    private readonly maxPostings = 4_000_000,
    private readonly maxTerms = 100_000,
    private readonly maxIds = 200_000,
  ) {}

  metas(cid: number, term: string, read: () => BlockMeta[]): BlockMeta[] {
    const key = `${cid}\u0000${term}`;
    let list = this.metaLists.get(key);
    if (!list) {
      list = read();
      if (this.metaLists.size >= this.maxTerms) this.metaLists.clear();
      this.metaLists.set(key, list);
    }
    return list;
  }

  /** `meta` must be an entry of a list `metas` returned. */
  block(meta: BlockMeta, read: () => Block): Block {
    const cached = meta.decoded;
    if (cached) return cached;
    const b = read();
    meta.decoded = b;
    this.held.push(meta);
    this.postings += b.nums.length;
    while (this.postings > this.maxPostings && this.head < this.held.length) {
      const old = this.held[this.head++]!;
      this.postings -= old.decoded?.nums.length ?? 0;
      old.decoded = undefined;
    }
    if (this.head > 1024 && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
    return b;
  }

  docId(cid: number, num: number, read: () => string | undefined): string | undefined {
    let ids = this.ids.get(cid);
    let id = ids?.get(num);
    if (id === undefined) {
      id = read();
      if (id === undefined) return undefined;
      if (this.idCount >= this.maxIds) {
        this.ids.clear();
        this.idCount = 0;
        ids = undefined;
      }
      if (!ids) this.ids.set(cid, (ids = new Map()));
      ids.set(num, id);
      this.idCount++;
    }
    return id;
  }

  clear(): void {
    this.metaLists.clear();
    for (let i = this.head; i < this.held.length; i++) this.held[i]!.decoded = undefined;
    this.held = [];
    this.head = 0;
    this.ids.clear();
    this.idCount = 0;
    this.postings = 0;
  }
}
