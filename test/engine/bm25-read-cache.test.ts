import { describe, expect, it } from 'vitest';
import type { Block, BlockMeta } from '../../src/lexical/postings.js';
import { PostingsReadCache } from '../../src/lexical/read-cache.js';

const meta = (key: number): BlockMeta => ({ key, last: key + 9, count: 10, maxTf: 1, minLen: 1 });
const block = (key: number): Block => ({
  nums: Uint32Array.from({ length: 10 }, (_, i) => key + i),
  tfs: new Uint32Array(10).fill(1),
  lens: new Uint32Array(10).fill(1),
});

describe('PostingsReadCache', () => {
  it('reads a block once, evicts the oldest past its postings budget, and forgets every block on clear', () => {
    const cache = new PostingsReadCache(30); // three 10-posting blocks
    const reads: number[] = [];
    const get = (m: BlockMeta) =>
      cache.block(m, () => {
        reads.push(m.key);
        return block(m.key);
      });
    const metas = [0, 10, 20, 30, 40].map(meta);
    for (const m of metas.slice(0, 3)) get(m);
    for (const m of metas.slice(0, 3)) expect(get(m).nums[0]).toBe(m.key);
    expect(reads).toEqual([0, 10, 20]); // served from memory the second time
    get(metas[3]!); // over budget: the oldest goes
    expect(metas[0]!.decoded).toBeUndefined();
    expect(metas[1]!.decoded).toBeDefined();
    get(metas[0]!);
    expect(reads).toEqual([0, 10, 20, 30, 0]);
    expect(metas[1]!.decoded).toBeUndefined(); // the next oldest made room
    // Many evictions compact the queue without losing the order.
    for (let i = 0; i < 3000; i++) get(meta(1000 + i * 10));
    expect(reads.length).toBe(3005);
    cache.clear();
    expect(metas.every((m) => m.decoded === undefined)).toBe(true);
    get(metas[4]!);
    expect(reads.at(-1)).toBe(40);
  });
});
