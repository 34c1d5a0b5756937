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
      payloadIndexes: { category: 'keyword', year: 'integer' },
    });
    const r = rng(7);
    const cats = ['Footwear', 'Footwear', 'Apparel', 'Bags'];
    await store.upsert(
      'shop',
      cats.map((category, i) => ({
        id: `i${i}`,
        payload: { category, year: 2010 + i, colour: 'Blue' },
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
