import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackEvent } from '../../src/domain/feedback.js';
import { startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'pages';

/** Pages of one query over real HTTP: `offset` skips ranked hits, later pages continue the first one. */
describe('search pages (offset)', () => {
  let plain: TestServer;
  let swapping: TestServer;
  beforeAll(async () => {
    plain = await startServer({ search: { swapShare: 0 } });
    // Every first page sees a pair swapped (the position-bias intervention): later pages must not.
    swapping = await startServer({ search: { swapShare: 1 } });
    for (const s of [plain, swapping]) {
      await s.call('POST', '/v1/collections', {
        name: C,
        vectors: { text: { modality: 'text', dim: DIM }, image: { modality: 'image', dim: DIM } },
      });
      const items = Array.from({ length: 60 }, (_, i) => ({
        id: `i${i}`,
        payload: { title: `item ${i} ${i % 3 ? 'red' : 'blue'} fox` },
        vectors: { text: vec(DIM, i, i), image: vec(DIM, i + 1, i * 3) },
      }));
      expect((await s.call('POST', '/v1/items', { collection: C, items })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await plain?.close();
    await swapping?.close();
  });

  const query = { collection: C, text: 'red fox', vectors: { text: vec(DIM, 3, 3) } };
  const hits = (r: { json: Json }) =>
    (r.json.hits as Json[]).map((h) => ({ id: h.id as string, score: h.score as number }));
  async function impression(s: TestServer, queryId: string) {
    await s.chorus.engine.flush();
    const [stored] = s.chorus.db.events.query({ collection: C, queryId, types: ['impression'] });
    const e = stored?.event as FeedbackEvent | undefined;
    if (e?.type !== 'impression') throw new Error(`no impression for ${queryId}`);
    return e;
  }

  it.each(['rrf', 'weighted', 'dbsf'])(
    '%s: pages of five equal the first fifteen, with explanations',
    async (fusion) => {
      const whole = await plain.call('POST', '/v1/search', { ...query, fusion, limit: 15 });
      expect(whole.status).toBe(200);
      const pages = [];
      for (const offset of [0, 5, 10]) {
        const r = await plain.call('POST', '/v1/search', { ...query, fusion, limit: 5, offset });
        expect(r.status).toBe(200);
        for (const h of r.json.hits as Json[]) expect(h.explanation.used.length).toBeGreaterThan(0);
        pages.push(...hits(r));
      }
      expect(pages).toEqual(hits(whole));
    },
  );

  it('with diversity (MMR) a page is the continuation of the diversified list', async () => {
    const body = { ...query, fusion: 'rrf', diversity: 0.6 };
    const whole = hits(await plain.call('POST', '/v1/search', { ...body, limit: 12 }));
    const second = await plain.call('POST', '/v1/search', { ...body, limit: 6, offset: 6 });
    expect(second.status).toBe(200);
    expect(hits(second)).toEqual(whole.slice(6));
  });

  it('logs a later page at its ranks; only first pages get the swap intervention', async () => {
    const reference = hits(
      await plain.call('POST', '/v1/search', { ...query, fusion: 'rrf', limit: 10 }),
    ).map((h) => h.id);
    const first = await swapping.call('POST', '/v1/search', { ...query, fusion: 'rrf', limit: 5 });
    const firstEvent = await impression(swapping, first.json.queryId as string);
    expect(firstEvent.swapped).toHaveLength(1);
    const second = await swapping.call('POST', '/v1/search', {
      ...query,
      fusion: 'rrf',
      limit: 5,
      offset: 5,
    });
    expect(hits(second).map((h) => h.id)).toEqual(reference.slice(5));
    const e = await impression(swapping, second.json.queryId as string);
    expect(e.swapped).toBeUndefined();
    expect(e.items).toEqual(reference.slice(5).map((id, i) => ({ id, position: 5 + i })));
    expect(Object.keys(e.features!)).toEqual(expect.arrayContaining(reference.slice(5)));
  });

  it('a page past the candidates is empty; a bad offset is a 400 naming it', async () => {
    const past = await plain.call('POST', '/v1/search', { ...query, limit: 10, offset: 1000 });
    expect(past.status).toBe(200);
    expect(past.json.hits).toEqual([]);
    for (const offset of [-1, 1001, 2.5, '5']) {
      const r = await plain.call('POST', '/v1/search', { ...query, offset });
      expect(r.status, JSON.stringify(offset)).toBe(400);
      expect(r.json.error.code).toBe('VALIDATION');
      expect(JSON.stringify(r.json.error)).toMatch(/offset/);
    }
  });

  it('the embedded engine checks the offset as the API does', async () => {
    await expect(
      plain.chorus.engine.search({ collection: C, query: { text: 'fox' }, offset: -3 }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/offset must be an integer from 0 to 1000, got -3/),
    });
  });

  it('recommend pages the same way', async () => {
    const body = { collection: C, itemId: 'i7', fusion: 'rrf' };
    const whole = hits(await plain.call('POST', '/v1/recommend', { ...body, limit: 12 }));
    expect(whole).toHaveLength(12);
    const second = await plain.call('POST', '/v1/recommend', { ...body, limit: 6, offset: 6 });
    expect(second.status).toBe(200);
    expect(hits(second)).toEqual(whole.slice(6));
    const bad = await plain.call('POST', '/v1/recommend', { ...body, offset: -1 });
    expect(bad.status).toBe(400);
  });
});
