import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFilter, summariseFields, type FieldIndex } from '../../src/admin/filter-fields.js';
import type { CollectionSchema } from '../../src/domain/collection.js';
import type { VectorStore } from '../../src/stores/vector-store.js';
import { lanceBackend } from '../stores/backends.js';
import { rng, unitVector } from '../stores/builders.js';

/** The admin's filter check against a real LanceDB collection: catches what would silently give 0 hits. */
describe('filter fields', () => {
  let store: VectorStore;
  let cleanup: () => Promise<void>;
  let schema: CollectionSchema;
  let fields: FieldIndex;

  beforeAll(async () => {
    ({ store, cleanup } = await lanceBackend.make());
    schema = await store.createCollection({
      name: 'shop',
      vectors: { text: { modality: 'text', dim: 8, distance: 'cosine' } },
      payloadIndexes: { category: 'keyword', year: 'integer', tags: 'keyword' },
    });
    const r = rng(7);
    const cats = ['Footwear', 'Footwear', 'Apparel', 'Bags'];
    await store.upsert(
      'shop',
      cats.map((category, i) => ({
        id: `i${i}`,
        // A repeated list element is one value of that item, as facets count it.
        payload: {
          category,
          year: 2010 + i,
          colour: 'Blue',
          tags: i === 0 ? ['sale', 'sale'] : ['sale'],
        },
        vectors: { text: unitVector(8, r) },
      })),
    );
    fields = await summariseFields(store, schema);
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('summarises filterable fields with their values and builds an example that matches items', () => {
    expect(fields.complete).toBe(true);
    expect(fields.fields.find((f) => f.key === 'category')?.values?.[0]).toEqual({
      value: 'Footwear',
      count: 2,
    });
    expect(fields.fields.find((f) => f.key === 'year')).toMatchObject({
      type: 'integer',
      min: 2010,
      max: 2013,
    });
    expect(fields.fields.find((f) => f.key === 'tags')?.values).toEqual([
      { value: 'sale', count: 4 },
    ]);
    expect(fields.example).toBe('category=Footwear, year>=2010');
  });

  it('refuses a wrong-case field or value with what was meant, and an unindexed field with the filterable ones', () => {
    expect(() =>
      checkFilter({ must: [{ key: 'Category', match: { value: 'Footwear' } }] }, fields),
    ).toThrow(/did you mean "category"/);
    expect(() =>
      checkFilter({ must: [{ key: 'category', match: { value: 'footwear' } }] }, fields),
    ).toThrow(/did you mean "Footwear"/);
    expect(() =>
      checkFilter({ should: [{ must: [{ key: 'category', in: ['bags'] }] }] }, fields),
    ).toThrow(/did you mean "Bags"/);
    expect(() =>
      checkFilter({ must: [{ key: 'colour', match: { value: 'Blue' } }] }, fields),
    ).toThrow(/not a filterable field of shop; filterable: category, year/);
  });

  it('passes a filter that matches, and notes a value no item has', () => {
    expect(
      checkFilter(
        {
          must: [
            { key: 'category', match: { value: 'Bags' } },
            { key: 'year', range: { gte: 2011 } },
          ],
        },
        fields,
      ),
    ).toEqual([]);
    expect(
      checkFilter({ must_not: [{ key: 'category', match: { value: 'Hats' } }] }, fields),
    ).toEqual(['no item has category = "Hats" (most common: Footwear, Apparel, Bags)']);
  });
});

describe('filter fields over a large collection', () => {
  it('reads up to its limit and says the summary is incomplete only when items were left unread', async () => {
    const schema = {
      name: 'big',
      vectors: {},
      payloadIndexes: { category: 'keyword' },
    } as unknown as CollectionSchema;
    // A store whose one-pass scan hands out batches of 1,000 items, counting how many batches were taken.
    const fake = (total: number) => {
      let taken = 0;
      const store = {
        scroll: () => Promise.reject(new Error('paged instead of one pass')),
        async *scan() {
          for (let at = 0; at < total; at += 1000) {
            taken++;
            yield Array.from({ length: Math.min(1000, total - at) }, (_, i) => ({
              id: `i${at + i}`,
              payload: { category: (at + i) % 2 ? 'odd' : 'even' },
              vectors: {},
            }));
          }
        },
      };
      return { store: store as unknown as VectorStore, taken: () => taken };
    };
    const exact = fake(5_000);
    expect((await summariseFields(exact.store, schema)).complete).toBe(true);
    const big = fake(9_000);
    const summary = await summariseFields(big.store, schema);
    expect(summary.complete).toBe(false);
    expect(summary.fields[0]!.values).toEqual([
      { value: 'even', count: 2_500 },
      { value: 'odd', count: 2_500 },
    ]);
    // The batch after the limit is where it stops: nothing more is read.
    expect(big.taken()).toBe(6);
  });
});
