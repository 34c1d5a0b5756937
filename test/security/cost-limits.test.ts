import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterCost } from '../../src/domain/filter-rules.js';
import type { Json, TestServer } from '../api/harness.js';
import {
  ADMIN,
  bearer,
  expectNoLeak,
  KEYS,
  pathsOf,
  READER,
  startKeyedServer,
  WRITER,
} from './support.js';

const C = 'costly';

/** Issue 12's 2 MB filter: 64 `should` groups of 64 nested conditions, each with an 80-value `in`. */
function hugeFilter() {
  const values = Array.from({ length: 80 }, (_, i) => `tag-${i}`);
  return {
    should: Array.from({ length: 64 }, () => ({
      should: Array.from({ length: 64 }, () => ({ key: 'tag', in: values })),
    })),
  };
}

/** Wraps a condition `depth - 1` times: depth 1 is a flat filter. */
function nested(depth: number): Json {
  let f: Json = { must: [{ key: 'tag', match: { value: 'tag-1' } }] };
  for (let d = 1; d < depth; d++) f = { must: [f] };
  return f;
}

/** Finding 5 of issue 12 (filter and candidate limits): unbounded query work is refused up front with a 400 naming the limit. */
describe('security: query cost limits', () => {
  let s: TestServer;
  let leaks: string[];
  beforeAll(async () => {
    s = await startKeyedServer({ limits: { maxBodyBytes: 4 * 1024 * 1024 } });
    leaks = [...KEYS, ...pathsOf(s.dir)];
    const schema = {
      name: C,
      vectors: { text: { modality: 'text', dim: 4 }, image: { modality: 'image', dim: 4 } },
      payloadIndexes: { tag: 'keyword' },
    };
    expect((await s.call('POST', '/v1/collections', schema, bearer(ADMIN))).status).toBe(201);
    const items = Array.from({ length: 20 }, (_, i) => ({
      id: `i${i}`,
      payload: { tag: `tag-${i % 5}` },
      vectors: { text: [1, i, 0, 0], image: [0, 1, i, 0] },
    }));
    expect(
      (await s.call('POST', '/v1/items', { collection: C, items }, bearer(WRITER))).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  const query = { text: [1, 0, 0, 0], image: [0, 1, 0, 0] };

  it('finding 5: the 2 MB nested filter is a prompt 400 naming the limit, not a 504 after 30 s', async () => {
    const body = JSON.stringify({ collection: C, vectors: query, filter: hugeFilter() });
    expect(body.length).toBeGreaterThan(1_000_000);
    const r = await s.call('POST', '/v1/search', body, bearer(READER));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/limits\.filterMaxConditions/);
    expectNoLeak(r.text, leaks);
  });

  it('finding 5: depth, `in` length and candidates × lists each have a limit, named in the 400', async () => {
    const deep = await s.call(
      'POST',
      '/v1/search',
      { collection: C, vectors: query, filter: nested(5) },
      bearer(READER),
    );
    expect(deep.status).toBe(400);
    expect(deep.json.error.message).toMatch(/limits\.filterMaxDepth/);
    expect(
      (
        await s.call(
          'POST',
          '/v1/search',
          { collection: C, vectors: query, filter: nested(4) },
          bearer(READER),
        )
      ).status,
    ).toBe(200);
    const longIn = { must: [{ key: 'tag', in: Array.from({ length: 300 }, (_, i) => `t${i}`) }] };
    const inR = await s.call(
      'POST',
      '/v1/recommend',
      { collection: C, itemId: 'i1', filter: longIn },
      bearer(READER),
    );
    expect(inR.status).toBe(400);
    expect(inR.json.error.message).toMatch(/limits\.filterMaxInValues/);
    // Two vector lists × 1000 candidates = 2000 is under the default 4000.
    expect(
      (
        await s.call(
          'POST',
          '/v1/search',
          { collection: C, vectors: query, candidates: 1000 },
          bearer(READER),
        )
      ).status,
    ).toBe(200);
    for (const r of [deep, inR]) expectNoLeak(r.text, leaks);
  });

  it('counts raw, unvalidated JSON without throwing, so routes refuse before the schema walks a huge filter', () => {
    expect(filterCost(hugeFilter())).toEqual({
      conditions: 64 + 64 * 64,
      depth: 2,
      maxInValues: 80,
    });
    expect(filterCost(nested(6))).toMatchObject({ conditions: 6, depth: 6 });
    for (const junk of [
      null,
      3,
      'x',
      [],
      { must: 'no' },
      { must: [null, 1, { key: 'a', in: 'x' }] },
    ])
      expect(() => filterCost(junk)).not.toThrow();
    expect(filterCost({ must: [null, { key: 'a', in: [1, 2] }] })).toEqual({
      conditions: 2,
      depth: 1,
      maxInValues: 2,
    });
  });

  it('the candidates × lists limit is configurable and named', async () => {
    const tight = await startKeyedServer({ limits: { maxCandidateWork: 150 } });
    try {
      const schema = {
        name: C,
        vectors: { text: { modality: 'text', dim: 4 }, image: { modality: 'image', dim: 4 } },
      };
      expect((await tight.call('POST', '/v1/collections', schema, bearer(ADMIN))).status).toBe(201);
      const r = await tight.call(
        'POST',
        '/v1/search',
        { collection: C, vectors: query, candidates: 100 },
        bearer(READER),
      );
      expect(r.status).toBe(400);
      expect(r.json.error.message).toMatch(
        /100 candidates × 2 lists = 200 .*limits\.maxCandidateWork/,
      );
      expect(
        (
          await tight.call(
            'POST',
            '/v1/search',
            { collection: C, vectors: query, candidates: 75 },
            bearer(READER),
          )
        ).status,
      ).toBe(200);
    } finally {
      await tight.close();
    }
  });
});
