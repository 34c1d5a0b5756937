import { describe, expect, it } from 'vitest';
import { Rng } from '../../rerankers/random.js';
import { jsonDepth, nestedDeeperThan } from '../../src/api/middleware/json-guard.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('nestedDeeperThan', () => {
  it('agrees with the full depth scan at the bound, with brackets in strings, and past the bracket count', () => {
    const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const cases = [
      '{}',
      nest(64),
      nest(65),
      `{"a":${nest(63)}}`,
      `{"a":${nest(64)}}`,
      // Many brackets, shallow: the count passes the bound, the depth does not.
      `[${Array.from({ length: 200 }, () => '[1,2]').join(',')}]`,
      // Brackets inside strings count towards the quick bound but never towards the depth.
      `{"s":"${'['.repeat(100)}","t":"\\"${'{'.repeat(100)}"}`,
      `{"s":"${'['.repeat(100)}","deep":${nest(70)}}`,
      // Unbalanced (not JSON): the scan's answer stands.
      '['.repeat(65),
      ']'.repeat(100) + '['.repeat(10),
    ];
    const rng = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const n = Math.floor(rng.next() * 140);
      cases.push(
        Array.from({ length: n }, () => '[{"x"'[Math.floor(rng.next() * 5)]!).join('') +
          ']'.repeat(Math.floor(rng.next() * n)),
      );
    }
    for (const c of cases) {
      for (const max of [0, 1, 64]) {
        expect(nestedDeeperThan(bytes(c), max), `${max}: ${c.slice(0, 60)}`).toBe(
          jsonDepth(bytes(c)) > max,
        );
      }
    }
  });

  it('reads a view into a larger buffer by its own bytes only', () => {
    const all = bytes('[[[[' + '{"a":1}' + ']]]]');
    const view = all.subarray(4, 11); // {"a":1}
    expect(nestedDeeperThan(view, 0)).toBe(true);
    expect(nestedDeeperThan(view, 1)).toBe(false);
    expect(nestedDeeperThan(new Uint8Array(all.buffer, all.byteOffset + 4, 7), 1)).toBe(false);
  });
});
