import { describe, expect, it } from 'vitest';
import { PayloadCache } from '../../src/stores/ann/payload-cache.js';

describe('PayloadCache', () => {
  it('parses once, shares a frozen object, and evicts the least recently used at capacity', () => {
    const cache = new PayloadCache(4);
    for (const id of ['a', 'b', 'c', 'd']) cache.set(id, JSON.stringify({ id, tags: [id] }));
    const a = cache.get('a')!;
    expect(a).toEqual({ id: 'a', tags: ['a'] });
    expect(cache.get('a')).toBe(a); // parsed once, the same object afterwards
    expect(Object.isFrozen(a) && Object.isFrozen(a.tags)).toBe(true);
    cache.get('b'); // recently used: c is now the oldest
    cache.set('e', JSON.stringify({ id: 'e' }));
    expect(cache.has('c')).toBe(false);
    expect(['a', 'b', 'd', 'e'].every((id) => cache.has(id))).toBe(true);
    cache.set('f', JSON.stringify({ id: 'f' }));
    expect(cache.has('d')).toBe(false);
    expect(cache.size).toBe(4);
  });
});
