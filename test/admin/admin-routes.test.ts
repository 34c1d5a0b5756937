import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../api/harness.js';
import { seedShop, startAdminServer } from './harness.js';

const ADMIN = 'admin-key-for-the-admin-routes-suite-01';
const auth = { authorization: `Bearer ${ADMIN}` };

/** The admin routes added for issue 16 over a real server: item browser, jobs, judged media queries, filter checks. */
describe('admin routes: items, jobs, media queries, filter fields', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startAdminServer({ adminKey: ADMIN });
    await seedShop(s);
  });
  afterAll(() => s?.close());

  it('pages through items with their payload and the vectors each has', async () => {
    const first = await s.call('GET', '/admin/api/items/shop?limit=2', undefined, auth);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ total: 5, declared: ['text'] });
    expect(first.json.items).toHaveLength(2);
    expect(first.json.items[0].vectors).toEqual({ text: 8 });
    expect(first.json.items[0].payload.title).toBeTypeOf('string');
    const second = await s.call(
      'GET',
      `/admin/api/items/shop?limit=2&cursor=${encodeURIComponent(first.json.next)}`,
      undefined,
      auth,
    );
    expect(second.json.items.map((i: { id: string }) => i.id)).not.toContain(
      first.json.items[0].id,
    );
    expect((await s.call('GET', '/admin/api/items/nope', undefined, auth)).status).toBe(404);
    expect((await s.call('GET', '/admin/api/items/shop?limit=0', undefined, auth)).status).toBe(
      400,
    );
  });

  it('starts, lists and refuses jobs', async () => {
    expect(
      (
        await s.call(
          'POST',
          '/admin/api/jobs',
          { name: 'cf-refresh', payload: { collection: 'nope' } },
          auth,
        )
      ).status,
    ).toBe(404);
    expect(
      (await s.call('POST', '/admin/api/jobs', { name: 'index-batch', payload: {} }, auth)).status,
    ).toBe(400);
    const started = await s.call(
      'POST',
      '/admin/api/jobs',
      { name: 'cf-refresh', payload: { collection: 'shop' } },
      auth,
    );
    expect(started.status).toBe(202);
    const list = await s.call('GET', '/admin/api/jobs', undefined, auth);
    expect(list.json.backend).toBe('in-process');
    expect(list.json.jobs[0]).toMatchObject({
      id: started.json.id,
      name: 'cf-refresh',
      payload: { collection: 'shop' },
    });
    expect(
      (await s.call('POST', '/admin/api/jobs/no-such-job/cancel', undefined, auth)).status,
    ).toBe(404);
    expect((await s.call('POST', '/admin/api/jobs/..%2Fx/cancel', undefined, auth)).status).toBe(
      400,
    );
  });

  it('stores an image query for judging and serves it back only as its media type', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');
    const bad = await s.call(
      'POST',
      '/admin/api/judgments/media-query',
      { collection: 'shop', kind: 'image', name: 'x.wav', type: 'audio/wav', data: png },
      auth,
    );
    expect(bad.status).toBe(400);
    expect(
      (
        await s.call(
          'POST',
          '/admin/api/judgments/media-query',
          { collection: 'shop', kind: 'image', name: 'x', type: 'text/html', data: png },
          auth,
        )
      ).status,
    ).toBe(400);
    const ok = await s.call(
      'POST',
      '/admin/api/judgments/media-query',
      { collection: 'shop', kind: 'image', name: 'query.png', type: 'image/png', data: png },
      auth,
    );
    expect(ok.json).toMatchObject({ kind: 'image', label: 'query.png' });
    const media = await fetch(
      `${s.url}/admin/api/judgments/media?collection=shop&query=${encodeURIComponent(ok.json.query)}`,
      { headers: auth },
    );
    expect(media.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await media.arrayBuffer()).toString('base64')).toBe(png);
    expect(
      (
        await s.call(
          'GET',
          '/admin/api/judgments/media?collection=shop&query=red+dress',
          undefined,
          auth,
        )
      ).status,
    ).toBe(404);
  });

  it('checks a compare filter against the collection: wrong case is a 400 naming the field, a missing value a note', async () => {
    const fields = await s.call('GET', '/admin/api/fields/shop', undefined, auth);
    expect(fields.json.example).toBe('category=Dresses');
    const body = (filter: unknown) => ({
      collection: 'shop',
      text: 'red',
      left: { fusion: 'rrf' },
      right: { fusion: 'dbsf' },
      filter,
    });
    const wrongCase = await s.call(
      'POST',
      '/admin/api/compare',
      body({ must: [{ key: 'category', match: { value: 'shoes' } }] }),
      auth,
    );
    expect(wrongCase.status).toBe(400);
    expect(wrongCase.json.error.message).toContain('did you mean "Shoes"');
    const none = await s.call(
      'POST',
      '/admin/api/compare',
      body({ must: [{ key: 'category', match: { value: 'Hats' } }] }),
      auth,
    );
    expect(none.status).toBe(200);
    expect(none.json.left.hits).toEqual([]);
    expect(none.json.filterNotes[0]).toContain('no item has category = "Hats"');
  });
});
