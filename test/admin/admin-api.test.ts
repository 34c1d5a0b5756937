import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vec, type TestServer } from '../api/harness.js';
import { seedShop, startAdminServer } from './harness.js';

const ADMIN = 'admin-key-for-the-admin-api-suite-0123';
const READER = 'reader-key-for-the-admin-api-suite-012';

/** Admin HTTP API over a real server (temp LanceDB + SQLite), without a browser: auth, CSRF, presets, judgments, eval. */
function cookieOf(res: { headers: Headers }): string {
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0]!;
}

describe('admin API with an admin key', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startAdminServer({ adminKey: ADMIN, apiKeys: `${READER}:read` });
    await seedShop(s);
  });
  afterAll(() => s?.close());

  it('logs in only with the admin key and sets an HttpOnly SameSite=Strict cookie scoped to /admin', async () => {
    expect((await s.call('POST', '/admin/api/login', { key: READER })).status).toBe(401);
    // A form post (text/plain) or a foreign page cannot log anyone in.
    expect(
      (
        await s.call('POST', '/admin/api/login', `{"key":"${ADMIN}"}`, {
          'content-type': 'text/plain',
        })
      ).status,
    ).toBe(415);
    expect(
      (await s.call('POST', '/admin/api/login', { key: ADMIN }, { origin: 'http://evil.example' }))
        .status,
    ).toBe(403);
    const ok = await s.call('POST', '/admin/api/login', { key: ADMIN });
    expect(ok.status).toBe(200);
    const setCookie = ok.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/admin/);
    expect(ok.json.csrf).toMatch(/^[\w-]{40,}$/);
  });

  it('needs the CSRF token for writes with a cookie, not for reads; a logout ends the session', async () => {
    const login = await s.call('POST', '/admin/api/login', { key: ADMIN });
    const cookie = cookieOf(login);
    const csrf = login.json.csrf as string;
    expect((await s.call('GET', '/admin/api/overview', undefined, { cookie })).status).toBe(200);
    const preset = { fusion: 'weighted', weights: { text: 2 } };
    expect((await s.call('PUT', '/admin/api/presets/p1', preset, { cookie })).status).toBe(403);
    expect(
      (await s.call('PUT', '/admin/api/presets/p1', preset, { cookie, 'x-csrf-token': 'wrong' }))
        .status,
    ).toBe(403);
    expect(
      (await s.call('PUT', '/admin/api/presets/p1', preset, { cookie, 'x-csrf-token': csrf }))
        .status,
    ).toBe(200);
    // Right token, foreign Origin: refused too.
    expect(
      (
        await s.call('PUT', '/admin/api/presets/p1', preset, {
          cookie,
          'x-csrf-token': csrf,
          origin: 'http://evil.example',
        })
      ).status,
    ).toBe(403);
    expect(
      (await s.call('POST', '/admin/api/logout', undefined, { cookie, 'x-csrf-token': csrf }))
        .status,
    ).toBe(200);
    expect((await s.call('GET', '/admin/api/overview', undefined, { cookie })).status).toBe(401);
  });

  it('takes the admin key in a header (scripts), refuses a read key and anonymous calls', async () => {
    expect((await s.call('GET', '/admin/api/overview')).status).toBe(401);
    expect(
      (await s.call('GET', '/admin/api/overview', undefined, { authorization: `Bearer ${READER}` }))
        .status,
    ).toBe(403);
    const r = await s.call('GET', '/admin/api/overview', undefined, {
      authorization: `Bearer ${ADMIN}`,
    });
    expect(r.status).toBe(200);
    expect(r.json.collections[0]).toMatchObject({
      name: 'shop',
      total: 5,
      vectors: { text: { count: 5, dim: 8 } },
    });
    expect(r.json.queues).toEqual({
      backend: 'in-process',
      url: null,
      counts: { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 },
    });
  });

  it('shows the newest indexing error reports', async () => {
    const dir = path.join(s.dir, 'reports');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'index-shop-1.jsonl'),
      JSON.stringify({
        id: 'bad',
        path: 'bad.jpg',
        code: 'MEDIA_DECODE',
        reason: 'truncated JPEG',
      }) + '\n',
    );
    const r = await s.call('GET', '/admin/api/overview', undefined, {
      authorization: `Bearer ${ADMIN}`,
    });
    expect(r.json.errors).toEqual([
      expect.objectContaining({ id: 'bad', code: 'MEDIA_DECODE', reason: 'truncated JPEG' }),
    ]);
  });

  it('applies a preset as the collection default for the public search, and clears it', async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    const q = { collection: 'shop', text: 'red', vectors: { text: vec(8, 3, 3) } };
    const base = await s.call('POST', '/v1/search', q, auth);
    expect(base.json.ranker.name).toBe('rrf');
    await s.call(
      'PUT',
      '/admin/api/presets/bm25-only',
      { fusion: 'weighted', weights: { text: 0, bm25: 1 } },
      auth,
    );
    expect(
      (await s.call('PUT', '/admin/api/collections/shop/preset', { name: 'missing' }, auth)).status,
    ).toBe(404);
    expect(
      (await s.call('PUT', '/admin/api/collections/shop/preset', { name: 'bm25-only' }, auth))
        .status,
    ).toBe(200);
    const tuned = await s.call('POST', '/v1/search', q, auth);
    expect(tuned.json.ranker.name).toBe('weighted');
    // Only BM25 counts now: every "red" document outranks the others.
    expect(
      tuned.json.hits
        .slice(0, 3)
        .map((h: { id: string }) => h.id)
        .sort(),
    ).toEqual(['i0', 'i2', 'i4']);
    await s.call('PUT', '/admin/api/collections/shop/preset', { name: null }, auth);
    expect((await s.call('POST', '/v1/search', q, auth)).json.ranker.name).toBe('rrf');
  });

  it('stores graded judgments and evaluates two rankers per query, without logging admin searches', async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    await s.chorus.engine.flush(); // earlier cases' search impressions are committed (group commit, writer thread)
    const eventsBefore = s.chorus.db.events.count({ collection: 'shop' });
    for (const [itemId, grade] of [
      ['i2', 4],
      ['i0', 2],
      ['i1', 0],
    ] as const) {
      expect(
        (
          await s.call(
            'PUT',
            '/admin/api/judgments',
            { collection: 'shop', query: 'red shoes', itemId, grade },
            auth,
          )
        ).status,
      ).toBe(200);
    }
    expect(
      (
        await s.call(
          'PUT',
          '/admin/api/judgments',
          { collection: 'shop', query: 'red shoes', itemId: 'i3', grade: 7 },
          auth,
        )
      ).status,
    ).toBe(400);
    const listed = await s.call(
      'GET',
      '/admin/api/judgments?collection=shop&query=red%20shoes',
      undefined,
      auth,
    );
    expect(
      listed.json.judgments.map((j: { itemId: string; grade: number }) => [j.itemId, j.grade]),
    ).toEqual([
      ['i2', 4],
      ['i0', 2],
      ['i1', 0],
    ]);

    const r = await s.call(
      'POST',
      '/admin/api/eval',
      { collection: 'shop', left: { fusion: 'rrf' }, right: { fusion: 'noop' } },
      auth,
    );
    expect(r.status).toBe(200);
    expect(r.json.queries).toHaveLength(1);
    const row = r.json.queries[0];
    expect(row.query).toBe('red shoes');
    // BM25 ranks "red running shoes" first: perfect MRR, and both relevant items are in the top 10.
    expect(row.left.mrr).toBe(1);
    expect(row.left.recall).toBe(1);
    expect(row.left.ndcg).toBeGreaterThan(0.9);
    expect(row.delta).toBeCloseTo(row.right.ndcg - row.left.ndcg, 12);
    expect(s.chorus.db.events.count({ collection: 'shop' })).toBe(eventsBefore);
  });

  it('promotes and rolls back registered models through the SQLite registry when no model registry is wired', async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    s.chorus.db.models.register({ collection: 'shop', metrics: { validationNdcg10: 0.5 } });
    s.chorus.db.models.register({ collection: 'shop', metrics: { validationNdcg10: 0.6 } });
    // No registry, so no guard: an unforced promotion is refused (not a way around the guard); force is recorded.
    const unforced = await s.call('POST', '/admin/api/models/shop/v1/promote', undefined, auth);
    expect(unforced.status).toBe(409);
    expect(unforced.json.error.message).toMatch(/no promotion guard/);
    expect(s.chorus.db.models.promoted('shop')).toBeUndefined();
    const force = { force: true };
    expect((await s.call('POST', '/admin/api/models/shop/v1/promote', force, auth)).status).toBe(
      200,
    );
    expect((await s.call('POST', '/admin/api/models/shop/v2/promote', force, auth)).status).toBe(
      200,
    );
    expect(s.chorus.db.models.history('shop').at(-1)).toMatchObject({
      action: 'promote',
      version: 'v2',
      forced: true,
    });
    expect(
      (await s.call('POST', '/admin/api/models/shop/rollback', undefined, auth)).json,
    ).toMatchObject({ from: 'v2', to: 'v1' });
    const m = await s.call('GET', '/admin/api/models/shop', undefined, auth);
    expect(m.json.canTrain).toBe(false);
    expect(m.json.models.find((x: { status: string }) => x.status === 'promoted').version).toBe(
      'v1',
    );
    expect((await s.call('POST', '/admin/api/models/shop/train', undefined, auth)).status).toBe(
      503,
    );
    const charts = await s.call('GET', '/admin/api/charts/shop', undefined, auth);
    expect(charts.json.ndcg.ndcg).toEqual([0.5, 0.6]);
  });

  it('serves the UI shell and the vendor modules from node_modules', async () => {
    const page = await s.call('GET', '/admin');
    expect(page.text).toContain('/admin/static/app.js');
    const hooks = await s.call('GET', '/admin/vendor/hooks.mjs');
    expect(hooks.headers.get('content-type')).toMatch(/javascript/);
    expect(hooks.text).toContain('"./preact.mjs"');
    expect(hooks.text).not.toMatch(/from\s*"preact"/);
    expect((await s.call('GET', '/admin/vendor/uplot.css')).status).toBe(200);
    expect((await s.call('GET', '/admin/vendor/..%2Fpackage.json')).status).toBe(404);
  });
});

describe('admin API in dev mode (no key configured)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startAdminServer();
  });
  afterAll(() => s?.close());

  it('says so and lets loopback clients in with a session (still CSRF-checked)', async () => {
    const session = await s.call('GET', '/admin/api/session');
    expect(session.json).toMatchObject({ devMode: true, authenticated: false });
    const login = await s.call('POST', '/admin/api/login', {});
    expect(login.status).toBe(200);
    const cookie = cookieOf(login);
    expect((await s.call('GET', '/admin/api/overview', undefined, { cookie })).status).toBe(200);
    expect(
      (await s.call('PUT', '/admin/api/presets/x', { fusion: 'rrf' }, { cookie })).status,
    ).toBe(403);
    expect(
      (
        await s.call(
          'PUT',
          '/admin/api/presets/x',
          { fusion: 'rrf' },
          { cookie, 'x-csrf-token': login.json.csrf },
        )
      ).status,
    ).toBe(200);
  });
});
