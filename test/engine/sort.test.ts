import { describe, expect, it } from 'vitest';
import type { Payload } from '../../src/domain/item.js';
import { parseSortKey, parseSortText } from '../../src/domain/sort-keys.js';
import { checkSort, sortedTag, sortHits } from '../../src/engine/sort.js';
import { ChorusError } from '../../src/errors.js';

const hit = (id: string, payload: Payload) => ({ id, payload });
const ids = (hs: { id: string }[]) => hs.map((h) => h.id);

describe('sortHits', () => {
  it('orders by a number field either way; missing and unusable values last; ties keep the ranking', () => {
    const ranked = [
      hit('a', { price: 30 }),
      hit('b', {}),
      hit('c', { price: 10 }),
      hit('d', { price: 30 }),
      hit('e', { price: null }),
      hit('f', { price: { amount: 1 } }),
      hit('g', { price: 20 }),
      hit('h', { price: Number.NaN }),
    ];
    expect(ids(sortHits(ranked, [{ field: 'price' }]))).toEqual([
      'c',
      'g',
      'a',
      'd',
      'b',
      'e',
      'f',
      'h',
    ]);
    expect(ids(sortHits(ranked, [{ field: 'price', order: 'desc' }]))).toEqual([
      'a',
      'd',
      'g',
      'c',
      'b',
      'e',
      'f',
      'h',
    ]);
    // The input is left as ranked.
    expect(ids(ranked)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  });

  it('compares strings numerically aware in a fixed locale; mixed types go numbers, strings, booleans', () => {
    const ranked = [
      hit('s10', { v: 'size 10' }),
      hit('t', { v: true }),
      hit('s2', { v: 'size 2' }),
      hit('n', { v: 5 }),
      hit('f', { v: false }),
      hit('e', { v: 'Éclair' }),
      hit('z', { v: 'zebra' }),
    ];
    expect(ids(sortHits(ranked, [{ field: 'v' }]))).toEqual(['n', 'e', 's2', 's10', 'z', 'f', 't']);
    expect(ids(sortHits(ranked, [{ field: 'v', order: 'desc' }]))).toEqual([
      't',
      'f',
      'z',
      's10',
      's2',
      'e',
      'n',
    ]);
  });

  it('sorts a list by its least element ascending and its greatest descending', () => {
    const ranked = [
      hit('wide', { sizes: [1, 9] }),
      hit('mid', { sizes: [3, 5, 'x', null] }),
      hit('none', { sizes: [] }),
    ];
    expect(ids(sortHits(ranked, [{ field: 'sizes' }]))).toEqual(['wide', 'mid', 'none']);
    expect(ids(sortHits(ranked, [{ field: 'sizes', order: 'desc' }]))).toEqual([
      'mid',
      'wide',
      'none',
    ]);
  });

  it('applies keys in order, then the ranking', () => {
    const ranked = [
      hit('a', { brand: 'b', price: 2 }),
      hit('b', { brand: 'a', price: 2 }),
      hit('c', { brand: 'a', price: 1 }),
      hit('d', { brand: 'a', price: 2 }),
    ];
    expect(ids(sortHits(ranked, [{ field: 'brand' }, { field: 'price', order: 'desc' }]))).toEqual([
      'b',
      'd',
      'c',
      'a',
    ]);
  });
});

describe('checkSort', () => {
  const refused = (f: () => void) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ChorusError);
      return (e as ChorusError).message;
    }
    throw new Error('not refused');
  };
  it('refuses reserved keys, bad names, bad orders, too many keys and sorting with diversity', () => {
    expect(refused(() => checkSort([{ field: '_hash' }]))).toMatch(/reserved/);
    expect(refused(() => checkSort([{ field: '' }]))).toMatch(/1 to 64/);
    expect(refused(() => checkSort([{ field: 'x'.repeat(65) }]))).toMatch(/1 to 64/);
    expect(refused(() => checkSort([{ field: 'p', order: 'up' as 'asc' }]))).toMatch(/asc/);
    expect(refused(() => checkSort([]))).toMatch(/1 to 4/);
    expect(
      refused(() => checkSort(Array.from({ length: 5 }, (_, i) => ({ field: `f${i}` })))),
    ).toMatch(/1 to 4/);
    expect(refused(() => checkSort([{ field: 'price' }], 0.5))).toMatch(/diversity/);
    expect(() => checkSort([{ field: 'price', order: 'desc' }], 0)).not.toThrow();
    expect(() => checkSort(undefined, 0.5)).not.toThrow();
  });

  it('names a sorted order for the log within the event schema’s 128 characters', () => {
    expect(sortedTag([{ field: 'price' }, { field: 'rating', order: 'desc' }])).toBe(
      'sorted:price:asc,rating:desc',
    );
    expect(sortedTag(Array.from({ length: 4 }, () => ({ field: 'x'.repeat(64) }))).length).toBe(
      128,
    );
  });
});

describe('sort keys as text (CLI --sort, admin playground)', () => {
  it('reads FIELD[:asc|desc] keys in order, asc by default; empty text is no sort', () => {
    expect(parseSortText('year:desc, title')).toEqual([
      { field: 'year', order: 'desc' },
      { field: 'title', order: 'asc' },
    ]);
    expect(parseSortKey(' price : asc ')).toEqual({ field: 'price', order: 'asc' });
    // A field name may hold a colon; only the last part is an order.
    expect(parseSortKey('a:b:desc')).toEqual({ field: 'a:b', order: 'desc' });
    expect(parseSortText(' , ')).toBeUndefined();
    expect(parseSortKey('place@48.86, 2.35')).toEqual({
      field: 'place',
      order: 'asc',
      near: { lat: 48.86, lon: 2.35 },
    });
    expect(parseSortKey('place@-33.9,151.2:desc')).toMatchObject({ order: 'desc' });
  });

  it('a near key orders points by distance; anything but a point comes last; a bad point is refused', () => {
    const paris = { lat: 48.86, lon: 2.35 };
    const ranked = [
      hit('madrid', { place: { lat: 40.42, lon: -3.7 } }),
      hit('none', { place: 'paris' }),
      hit('brussels', { place: { lat: 50.85, lon: 4.35 } }),
      hit('berlin', { place: { lat: 52.52, lon: 13.4 } }),
    ];
    expect(ids(sortHits(ranked, [{ field: 'place', near: paris }]))).toEqual([
      'brussels',
      'berlin',
      'madrid',
      'none',
    ]);
    expect(ids(sortHits(ranked, [{ field: 'place', near: paris, order: 'desc' }]))).toEqual([
      'madrid',
      'berlin',
      'brussels',
      'none',
    ]);
    expect(sortedTag([{ field: 'place', near: paris }])).toBe('sorted:place@48.86,2.35:asc');
    expect(() => checkSort([{ field: 'place', near: { lat: 95, lon: 0 } }])).toThrow(/near/);
  });

  it('refuses an order that is not asc or desc, and a key without a field', () => {
    expect(() => parseSortKey('year:down')).toThrow(/FIELD or FIELD:asc\|desc, got "year:down"/);
    expect(() => parseSortKey(':desc')).toThrow(ChorusError);
    expect(() => parseSortText('year, title:up')).toThrow(/title:up/);
  });
});
