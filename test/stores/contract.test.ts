import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Filter } from '../../src/domain/filter.js';
import { ChorusError } from '../../src/errors.js';
import type { VectorStore } from '../../src/stores/vector-store.js';
import { lanceBackend, qdrantBackend, type Backend } from './backends.js';
import {
  IMAGE_DIM,
  TEXT_DIM,
  cosine,
  near,
  productSchema,
  products,
  rng,
  unitVector,
} from './builders.js';
import { matches } from './filter-oracle.js';

const backends: Backend[] = [lanceBackend];
if (process.env.QDRANT_URL) backends.push(qdrantBackend(process.env.QDRANT_URL));
else {
  console.warn(
    '\n*** Qdrant contract SKIPPED: QDRANT_URL is not set and no Qdrant server can run on this machine. ' +
      'Set QDRANT_URL=http://host:6333 to run the same suite against Qdrant. ***\n',
  );
}

async function expectCode(p: Promise<unknown>, code: string, text?: RegExp): Promise<ChorusError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected ChorusError ${code}`).toBeInstanceOf(ChorusError);
  expect((e as ChorusError).code).toBe(code);
  if (text) expect((e as ChorusError).message).toMatch(text);
  return e as ChorusError;
}

const ids = (xs: { id: string }[]) => xs.map((x) => x.id).sort();

/** Stored vectors come back equal up to float rounding (Qdrant re-normalises cosine vectors on write). */
function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-5));
}

describe.each(backends)('VectorStore contract: $name', (backend) => {
  let store: VectorStore;
  let env: Awaited<ReturnType<Backend['make']>>;
  const created: string[] = [];
  const name = (base: string) => {
    const n = backend.collectionName(base);
    created.push(n);
    return n;
  };

  beforeAll(async () => {
    env = await backend.make();
    store = env.store;
  });
  afterAll(async () => {
    for (const n of created) await store.dropCollection(n).catch(() => undefined);
    await env.cleanup();
  });

  it('creates, opens, lists and drops collections', async () => {
    const a = name('alpha');
    const b = name('beta');
    const schema = await store.createCollection(productSchema(a));
    expect(schema.vectors.text).toMatchObject({
      dim: TEXT_DIM,
      distance: 'cosine',
      modelId: 'test/text-8',
    });
    await store.createCollection(productSchema(b));
    await expectCode(store.createCollection(productSchema(a)), 'COLLECTION_EXISTS');
    const listed = (await store.listCollections()).map((c) => c.name);
    expect(listed).toEqual(expect.arrayContaining([a, b]));
    // A second store instance on the same storage sees the collection and its schema (persistence).
    const other = await env.reopen();
    const reopened = await other.openCollection(a);
    expect(reopened.vectors.image).toMatchObject({ dim: IMAGE_DIM, modelId: 'test/image-4' });
    expect(reopened.payloadIndexes).toEqual(productSchema(a).payloadIndexes);
    // ...and can write to it, and the first instance reads what the second wrote.
    await other.upsert(a, products(3, 5));
    expect(await other.count(a)).toBe(3);
    expect((await store.get(a, ['p0001'])).map((i) => i.id)).toEqual(['p0001']);
    await store.dropCollection(b);
    expect((await store.listCollections()).map((c) => c.name)).not.toContain(b);
    await expectCode(store.openCollection(b), 'COLLECTION_NOT_FOUND');
    await expectCode(store.dropCollection(b), 'COLLECTION_NOT_FOUND');
    await expectCode(
      store.createCollection({
        name: 'bad name!',
        vectors: { text: { modality: 'text', dim: 4 } },
      }),
      'VALIDATION',
    );
    await expectCode(store.createCollection({ name: name('novec'), vectors: {} }), 'VALIDATION');
  });

  it('refuses to open with a different dim, distance or model', async () => {
    const c = name('schema_check');
    await store.createCollection(productSchema(c));
    await expect(store.openCollection(c, productSchema(c))).resolves.toMatchObject({ name: c });
    const base = productSchema(c);
    const withText = (text: object) => ({
      ...base,
      vectors: { ...base.vectors, text: { ...base.vectors.text!, ...text } },
    });
    await expectCode(
      store.openCollection(c, withText({ dim: 16 })),
      'SCHEMA_MISMATCH',
      /text has dim 8, expected 16/,
    );
    await expectCode(
      store.openCollection(c, withText({ distance: 'dot' })),
      'SCHEMA_MISMATCH',
      /distance cosine, expected dot/,
    );
    await expectCode(
      store.openCollection(c, withText({ modelId: 'other/model' })),
      'SCHEMA_MISMATCH',
      /test\/text-8, expected other\/model/,
    );
    await expectCode(
      store.openCollection(c, { ...base, vectors: { audio: { modality: 'audio', dim: 4 } } }),
      'SCHEMA_MISMATCH',
      /audio does not exist/,
    );
  });

  describe('with 60 products', () => {
    let c: string;
    const items = products(60, 7);
    beforeAll(async () => {
      c = name('products');
      await store.createCollection(productSchema(c));
      await store.upsert(c, items);
    });

    it('upsert is idempotent by id and replaces the item', async () => {
      expect(await store.count(c)).toBe(60);
      await store.upsert(c, items.slice(0, 30));
      expect(await store.count(c)).toBe(60);
      const changed = { ...items[3]!, payload: { ...items[3]!.payload, title: 'renamed' } };
      await store.upsert(c, [
        changed,
        { ...changed, payload: { ...changed.payload, title: 'renamed twice' } },
      ]);
      expect(await store.count(c)).toBe(60);
      const [got] = await store.get(c, [items[3]!.id]);
      expect(got!.payload.title).toBe('renamed twice');
      await store.upsert(c, [items[3]!]);
    });

    it('get returns payloads, requested vectors, and skips unknown ids', async () => {
      const got = await store.get(c, ['p0002', 'nope', 'p0001'], { withVectors: true });
      expect(got.map((g) => g.id)).toEqual(['p0002', 'p0001']);
      expect(got[0]!.payload).toEqual(items[2]!.payload);
      expectClose(got[0]!.vectors.text!, items[2]!.vectors!.text as Float32Array);
      expect(Object.keys(got[0]!.vectors).sort()).toEqual(['image', 'text']);
      expect(Object.keys(got[1]!.vectors)).toEqual(['text']); // odd ids lack the image modality
      const bare = await store.get(c, ['p0002']);
      expect(Object.keys(bare[0]!.vectors)).toEqual([]);
    });

    it('scroll pages through every item exactly once, with and without a filter', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.scroll(c, { limit: 7, cursor });
        expect(page.items.length).toBeLessThanOrEqual(7);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.next;
        pages++;
      } while (cursor && pages < 50);
      expect(seen.length).toBe(60);
      expect(new Set(seen).size).toBe(60);
      const filter: Filter = { must: [{ key: 'brand', match: { value: 'acme' } }] };
      const filtered: string[] = [];
      cursor = undefined;
      do {
        const page = await store.scroll(c, { limit: 6, cursor, filter });
        filtered.push(...page.items.map((i) => i.id));
        cursor = page.next;
      } while (cursor);
      expect(filtered.sort()).toEqual(ids(items.filter((i) => i.payload!.brand === 'acme')));
      await expectCode(store.scroll(c, { cursor: 'garbage!' }), 'VALIDATION');
    });

    it('search orders by similarity, honours k, and reports cosine similarity', async () => {
      const q = items[10]!.vectors!.text as Float32Array;
      const hits = await store.search(c, 'text', q, 5);
      expect(hits).toHaveLength(5);
      expect(hits[0]!.id).toBe('p0010');
      expect(hits[0]!.score).toBeCloseTo(1, 4);
      for (let i = 1; i < hits.length; i++)
        expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
      const exact = items
        .map((it) => ({ id: it.id, s: cosine(q, it.vectors!.text as Float32Array) }))
        .sort((a, b) => b.s - a.s)
        .slice(0, 5);
      expect(hits.map((h) => h.id)).toEqual(exact.map((e) => e.id));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(exact[i]!.s, 4));
      expect(hits[0]!.payload).toEqual(items[10]!.payload);
      expect(hits[0]!.vectors).toBeUndefined();
      const [withVectors] = await store.search(c, 'text', q, 1, { withVectors: true });
      expectClose(withVectors!.vectors!.text!, q);
      expect(Object.keys(withVectors!.vectors!).sort()).toEqual(['image', 'text']);
      expect(await store.search(c, 'text', q, 100)).toHaveLength(60);
      await expectCode(store.search(c, 'text', q, 0), 'VALIDATION');
      await expectCode(store.search(c, 'text', [1, 2, 3], 3), 'DIMENSION_MISMATCH');
      await expectCode(store.search(c, 'nosuch', q, 3), 'VALIDATION');
    });

    it('search skips items that lack the searched vector', async () => {
      const hits = await store.search(c, 'image', unitVector(IMAGE_DIM, rng(3)), 100);
      expect(ids(hits)).toEqual(ids(items.filter((i) => i.vectors!.image)));
    });

    const filters: [string, Filter][] = [
      ['match keyword', { must: [{ key: 'brand', match: { value: 'globex' } }] }],
      ['match keyword with a quote', { must: [{ key: 'brand', match: { value: "o'neil" } }] }],
      ['match inside an array field', { must: [{ key: 'tags', match: { value: 'even' } }] }],
      ['match integer', { must: [{ key: 'stock', match: { value: 3 } }] }],
      ['match bool', { must: [{ key: 'active', match: { value: false } }] }],
      ['in keyword', { must: [{ key: 'tags', in: ['t1', 't3'] }] }],
      ['in integer', { must: [{ key: 'stock', in: [0, 6] }] }],
      ['range gt/lt', { must: [{ key: 'price', range: { gt: 15, lt: 45 } }] }],
      ['range gte/lte', { must: [{ key: 'price', range: { gte: 15, lte: 45 } }] }],
      ['exists true', { must: [{ key: 'note', exists: true }] }],
      ['exists false', { must: [{ key: 'note', exists: false }] }],
      [
        'should',
        {
          should: [
            { key: 'brand', match: { value: 'acme' } },
            { key: 'stock', match: { value: 2 } },
          ],
        },
      ],
      [
        'must_not',
        {
          must_not: [
            { key: 'brand', match: { value: 'acme' } },
            { key: 'active', match: { value: true } },
          ],
        },
      ],
      [
        'must_not on a missing field',
        { must_not: [{ key: 'note', match: { value: 'has note' } }] },
      ],
      [
        'nested',
        {
          must: [
            { key: 'active', match: { value: true } },
            {
              should: [
                { key: 'price', range: { lt: 20 } },
                { must_not: [{ key: 'tags', match: { value: 'even' } }] },
              ],
            },
          ],
        },
      ],
      ['empty filter', {}],
      [
        'geo radius (500 km of Paris)',
        {
          must: [
            { key: 'place', geo_radius: { center: { lat: 48.86, lon: 2.35 }, radius: 500_000 } },
          ],
        },
      ],
      [
        'geo radius in must_not, beside a match',
        {
          must: [{ key: 'active', match: { value: true } }],
          must_not: [
            { key: 'place', geo_radius: { center: { lat: 40, lon: 10 }, radius: 1_200_000 } },
          ],
        },
      ],
      [
        'geo bounding box',
        {
          must: [
            {
              key: 'place',
              geo_bounding_box: {
                top_left: { lat: 55, lon: -5 },
                bottom_right: { lat: 45, lon: 15 },
              },
            },
          ],
        },
      ],
      [
        'geo bounding box across the antimeridian (left edge east of the right)',
        {
          should: [
            {
              key: 'place',
              geo_bounding_box: {
                top_left: { lat: 60, lon: 20 },
                bottom_right: { lat: 40, lon: 0 },
              },
            },
          ],
        },
      ],
      [
        'geo radius past the whole earth',
        {
          must: [
            { key: 'place', geo_radius: { center: { lat: -80, lon: 170 }, radius: 20_100_000 } },
          ],
        },
      ],
    ];

    it.each(filters)(
      'filter: %s matches the oracle in count, scroll and search',
      async (_label, filter) => {
        const expected = ids(items.filter((i) => matches(filter, i.payload!)));
        expect(await store.count(c, filter)).toBe(expected.length);
        const page = await store.scroll(c, { limit: 100, filter });
        expect(ids(page.items)).toEqual(expected);
        const hits = await store.search(c, 'text', unitVector(TEXT_DIM, rng(5)), 100, { filter });
        expect(ids(hits)).toEqual(expected);
      },
    );

    it('rejects filters on fields that are not indexed', async () => {
      await expectCode(
        store.count(c, { must: [{ key: 'title', match: { value: 'x' } }] }),
        'VALIDATION',
        /not filterable/,
      );
      await expectCode(
        store.search(c, 'text', unitVector(TEXT_DIM, rng(1)), 3, {
          filter: { must: [{ key: 'price', range: {} }] } as Filter,
        }),
        'VALIDATION',
      );
    });

    it('rejects NaN, Infinity and wrong dimensions naming the item, and writes nothing', async () => {
      const before = await store.count(c);
      const fresh = products(5, 99).map((p) => ({ ...p, id: `new-${p.id}` }));
      const withNaN = [
        ...fresh,
        {
          id: 'bad-nan',
          vectors: { text: Array.from({ length: TEXT_DIM }, (_, i) => (i === 2 ? NaN : 0.1)) },
        },
      ];
      await expectCode(store.upsert(c, withNaN), 'INVALID_VECTOR', /bad-nan/);
      const withInf = [...fresh, { id: 'bad-inf', vectors: { image: [0, Infinity, 0, 0] } }];
      await expectCode(store.upsert(c, withInf), 'INVALID_VECTOR', /bad-inf/);
      const wrongDim = [...fresh, { id: 'bad-dim', vectors: { image: [1, 0, 0] } }];
      const e = await expectCode(store.upsert(c, wrongDim), 'DIMENSION_MISMATCH', /bad-dim.*image/);
      expect(e.details).toMatchObject({
        id: 'bad-dim',
        vector: 'image',
        expected: IMAGE_DIM,
        actual: 3,
      });
      await expectCode(
        store.upsert(c, [...fresh, { id: 'bad-name', vectors: { audio: [1] } }]),
        'VALIDATION',
        /bad-name/,
      );
      await expectCode(store.upsert(c, [...fresh, { id: '', vectors: {} }]), 'VALIDATION');
      expect(await store.count(c)).toBe(before);
      expect(
        await store.get(
          c,
          fresh.map((f) => f.id),
        ),
      ).toEqual([]);
    });

    it('deletes by id and reports how many existed', async () => {
      const victims = ['p0050', 'p0051', 'missing'];
      expect(await store.delete(c, victims)).toEqual({ deleted: 2 });
      expect(await store.count(c)).toBe(58);
      expect(await store.get(c, victims)).toEqual([]);
      expect(await store.delete(c, victims)).toEqual({ deleted: 0 });
      const hits = await store.search(c, 'text', items[50]!.vectors!.text as Float32Array, 3);
      expect(hits.map((h) => h.id)).not.toContain('p0050');
    });

    it('accepts items with no vectors at all', async () => {
      await store.upsert(c, [{ id: 'payload-only', payload: { brand: 'acme' } }]);
      const [got] = await store.get(c, ['payload-only'], { withVectors: true });
      expect(got).toMatchObject({ id: 'payload-only', payload: { brand: 'acme' }, vectors: {} });
      const hits = await store.search(c, 'text', unitVector(TEXT_DIM, rng(2)), 100);
      expect(hits.map((h) => h.id)).not.toContain('payload-only');
      await store.delete(c, ['payload-only']);
    });
  });

  describe('past the ANN threshold', () => {
    const DIM = 32;
    let annEnv: Awaited<ReturnType<Backend['make']>>;
    let s: VectorStore;
    let c: string;
    beforeAll(async () => {
      annEnv = await backend.make({ annSaveIdleMs: 50 });
      s = annEnv.store;
      c = backend.collectionName('ann');
      await s.createCollection({
        name: c,
        vectors: { text: { modality: 'text', dim: DIM } },
        payloadIndexes: { group: 'integer' },
      });
    });
    afterAll(async () => {
      await s.dropCollection(c).catch(() => undefined);
      await annEnv.cleanup();
    });

    it('builds the index and still finds planted neighbours, filters, and new rows at once', async () => {
      const rand = rng(11);
      const base = Array.from({ length: 1200 }, (_, i) => ({
        id: `r${i}`,
        payload: { group: i % 4 },
        vectors: { text: unitVector(DIM, rand) },
      }));
      for (let i = 0; i < base.length; i += 400) await s.upsert(c, base.slice(i, i + 400));
      if (s instanceof (await import('../../src/stores/lancedb-store.js')).LanceDbStore) {
        await s.flushIndex(c);
        const info = await s.indexInfo(c);
        expect(info).toContainEqual({
          column: 'v_text',
          type: 'usearch-hnsw',
          indexed: 1200,
          unindexed: 0,
        });
      }
      const queries = base.filter((_, i) => i % 97 === 0);
      for (const q of queries) {
        const probe = near(q.vectors.text, rand, 0.05);
        const hits = await s.search(c, 'text', probe, 10);
        expect(hits[0]!.id).toBe(q.id);
        const filtered = await s.search(c, 'text', probe, 5, {
          filter: { must: [{ key: 'group', match: { value: (q.payload.group + 1) % 4 } }] },
        });
        expect(filtered.length).toBe(5);
        expect(filtered.every((h) => h.payload.group === (q.payload.group + 1) % 4)).toBe(true);
      }
      // Rows written after the index was built are searchable immediately.
      const fresh = Array.from({ length: 20 }, (_, i) => ({
        id: `fresh${i}`,
        payload: { group: 1 },
        vectors: { text: unitVector(DIM, rand) },
      }));
      await s.upsert(c, fresh);
      for (const f of fresh) {
        const hits = await s.search(c, 'text', near(f.vectors.text, rand, 0.05), 3);
        expect(hits[0]!.id).toBe(f.id);
      }
      expect(await s.count(c)).toBe(1220);
    });
  });
});
