import { describe, expect, it } from 'vitest';
import { parseFilterText } from '../../src/domain/filter-text.js';

describe('filters on the command line', () => {
  it('reads the short form: equality, inequality, ranges, typed values', () => {
    expect(
      parseFilterText('category=Footwear, price>=10, price<100, inStock=true, size=42, sku=00a'),
    ).toEqual({
      must: [
        { key: 'category', match: { value: 'Footwear' } },
        { key: 'price', range: { gte: 10 } },
        { key: 'price', range: { lt: 100 } },
        { key: 'inStock', match: { value: true } },
        { key: 'size', match: { value: 42 } },
        { key: 'sku', match: { value: '00a' } },
      ],
    });
    expect(parseFilterText('brand!=acme')).toEqual({
      must_not: [{ key: 'brand', match: { value: 'acme' } }],
    });
  });

  it('takes the API JSON as it is, validated', () => {
    const json = '{"should": [{"key": "tag", "in": ["a", "b"]}]}';
    expect(parseFilterText(json)).toEqual({ should: [{ key: 'tag', in: ['a', 'b'] }] });
    expect(() => parseFilterText('{"must": [{"key": "a"}]}')).toThrow(/--filter must\.0/);
    expect(() => parseFilterText('{"must": [')).toThrow(/not valid JSON/);
  });

  it('names the part it cannot read', () => {
    expect(() => parseFilterText('category')).toThrow(/cannot read "category"/);
    expect(() => parseFilterText('price>=cheap')).toThrow(/>= needs a number/);
    expect(() => parseFilterText(' , ')).toThrow(/empty/);
    expect(() => parseFilterText('9lives=1')).toThrow(/cannot read/);
  });
});
