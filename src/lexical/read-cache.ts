import type { Block, BlockMeta } from './postings.js';

/**
 * What BM25 queries read again and again from the postings file, kept decoded in memory: each term's block list
 * (a common term has thousands of blocks, re-read on every query that has it), the blocks MaxScore opens, and the
 * ids of the documents it returns. The owner clears it whenever the file changes (its own writes, and another
 * connection's commits seen through SQLite's data_version), so a cached read is always the current one.
 * Bounded: past `maxPostings` cached postings the oldest blocks go first. Blocks are keyed by their meta object
 * (from `metas`, kept here) and ids by number per collection: a concatenated string key was a new string to hash
 * on every block a query opens, thousands per query, most of the cache's time.
 */
export class PostingsReadCache {
  private readonly metaLists = new Map<string, BlockMeta[]>();
  private readonly blocks = new Map<BlockMeta, Block>();
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

  /** `meta` must be an entry of the list `metas` returned (its identity is the key). */
  block(meta: BlockMeta, read: () => Block): Block {
    let b = this.blocks.get(meta);
    if (!b) {
      b = read();
      this.blocks.set(meta, b);
      this.postings += b.nums.length;
      for (const [k, old] of this.blocks) {
        if (this.postings <= this.maxPostings) break;
        this.blocks.delete(k);
        this.postings -= old.nums.length;
      }
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
    this.blocks.clear();
    this.ids.clear();
    this.idCount = 0;
    this.postings = 0;
  }
}
