import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindHost } from '../../src/app/build.js';
import { createKeyRing } from '../../src/api/middleware/auth.js';
import { parseConfig } from '../../src/config.js';
import { startAdminServer } from '../admin/harness.js';
import { startServer, type TestServer } from './harness.js';

const ADMIN = 'admin-key-0123456789';
const READ = 'read-key-123';
const WRITE = 'write-key-123';

describe('API keys and scopes', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ adminKey: ADMIN, apiKeys: `${READ}:read,${WRITE}:write` });
  });
  afterAll(async () => {
    await s?.close();
  });

  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

  it('requires a key on /v1 routes, leaves health and docs open', async () => {
    const none = await s.call('GET', '/v1/collections');
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('UNAUTHENTICATED');
    expect(
      (await s.call('GET', '/v1/collections', undefined, bearer('wrong-key-123'))).status,
    ).toBe(401);
    expect(
      (await s.call('GET', '/v1/collections', undefined, { authorization: 'Basic abc' })).status,
    ).toBe(401);
    expect((await s.call('GET', '/healthz')).status).toBe(200);
    expect((await s.call('GET', '/openapi.json')).status).toBe(200);
    expect((await s.call('GET', '/metrics')).status).toBe(401);
  });

  it('enforces scopes: read < write < admin, via Bearer or api-key', async () => {
    const schema = { name: 'k', vectors: { text: { modality: 'text', dim: 2 } } };
    const asRead = await s.call('POST', '/v1/collections', schema, bearer(READ));
    expect(asRead.status).toBe(403);
    expect(asRead.json.error.code).toBe('FORBIDDEN');
    expect((await s.call('POST', '/v1/collections', schema, bearer(WRITE))).status).toBe(403);
    expect((await s.call('POST', '/v1/collections', schema, { 'api-key': ADMIN })).status).toBe(
      201,
    );

    const item = {
      collection: 'k',
      items: [{ id: 'a', payload: { title: 'hello' }, vectors: { text: [1, 0] } }],
    };
    expect((await s.call('POST', '/v1/items', item, bearer(READ))).status).toBe(403);
    expect((await s.call('POST', '/v1/items', item, bearer(WRITE))).status).toBe(200);
    expect(
      (await s.call('POST', '/v1/search', { collection: 'k', text: 'hello' }, { 'api-key': READ }))
        .json.hits,
    ).toHaveLength(1);
    const event = { type: 'click', eventId: 'e', collection: 'k', userId: 'u', itemId: 'a' };
    expect((await s.call('POST', '/v1/feedback', event, bearer(READ))).status).toBe(403);
    expect((await s.call('POST', '/v1/feedback', event, bearer(WRITE))).status).toBe(200);
    expect((await s.call('DELETE', '/v1/users/u', undefined, bearer(WRITE))).status).toBe(403);
    expect((await s.call('DELETE', '/v1/users/u', undefined, bearer(ADMIN))).status).toBe(200);
    expect((await s.call('GET', '/metrics', undefined, bearer(READ))).status).toBe(200);
  });

  it('documents security in OpenAPI when keys are configured', async () => {
    const doc = (await s.call('GET', '/openapi.json')).json;
    expect(doc.paths['/v1/search'].post.security).toBeDefined();
    expect(doc.paths['/v1/collections'].post['x-scope']).toBe('admin');
  });
});

describe('keys limited to some collections (tenants)', () => {
  const SHOP_READ = 'shop-read-key-1';
  const SHOP_ADMIN = 'shop-admin-key-1';
  const BOTH = 'both-write-key-1';
  let s: TestServer;
  const as = (k: string) => ({ authorization: `Bearer ${k}` });
  beforeAll(async () => {
    // With the admin UI mounted, as `chorus serve` has it.
    s = await startAdminServer({
      adminKey: ADMIN,
      apiKeys: `${SHOP_READ}:read@shop,${SHOP_ADMIN}:admin@shop,${BOTH}:write@shop|books`,
    });
    for (const name of ['shop', 'books', 'private']) {
      const r = await s.call(
        'POST',
        '/v1/collections',
        { name, vectors: { text: { modality: 'text', dim: 2 } } },
        as(ADMIN),
      );
      expect(r.status).toBe(201);
      await s.call(
        'POST',
        '/v1/items',
        {
          collection: name,
          items: [{ id: 'a', payload: { title: 'hello' }, vectors: { text: [1, 0] } }],
        },
        as(ADMIN),
      );
    }
  });
  afterAll(async () => {
    await s?.close();
  });

  it('reach their own collections only, on every route that names one', async () => {
    const search = (k: string, collection: string) =>
      s.call('POST', '/v1/search', { collection, text: 'hello' }, as(k));
    expect((await search(SHOP_READ, 'shop')).status).toBe(200);
    const other = await search(SHOP_READ, 'private');
    expect(other.status).toBe(403);
    expect(other.json.error.message).toMatch(/may not use the collection "private"/);
    // The same through express (not the fast path): a query string sends it there.
    const slow = await s.call(
      'POST',
      '/v1/search?x=1',
      { collection: 'private', text: 'hello' },
      as(SHOP_READ),
    );
    expect(slow.status).toBe(403);
    expect(
      (await s.call('GET', '/v1/items/a?collection=shop', undefined, as(SHOP_READ))).status,
    ).toBe(200);
    expect(
      (await s.call('GET', '/v1/items/a?collection=private', undefined, as(SHOP_READ))).status,
    ).toBe(403);
    expect(
      (await s.call('GET', '/v1/collections/shop/synonyms', undefined, as(SHOP_READ))).status,
    ).toBe(200);
    expect(
      (await s.call('GET', '/v1/collections/private/synonyms', undefined, as(SHOP_READ))).status,
    ).toBe(403);
    expect(
      (await s.call('POST', '/v1/recommend', { collection: 'private', itemId: 'a' }, as(SHOP_READ)))
        .status,
    ).toBe(403);
    // Scopes still apply within the key's collections.
    const item = { collection: 'shop', items: [{ id: 'b', vectors: { text: [0, 1] } }] };
    expect((await s.call('POST', '/v1/items', item, as(SHOP_READ))).status).toBe(403);
    expect((await s.call('POST', '/v1/items', item, as(BOTH))).status).toBe(200);
    expect(
      (await s.call('POST', '/v1/items', { ...item, collection: 'books' }, as(BOTH))).status,
    ).toBe(200);
    // Events: every one must be in the key's collections.
    const ev = (collection: string, eventId: string) => ({
      type: 'click',
      eventId,
      collection,
      userId: 'u',
      itemId: 'a',
    });
    expect(
      (
        await s.call(
          'POST',
          '/v1/feedback',
          { events: [ev('shop', 'e1'), ev('books', 'e2')] },
          as(BOTH),
        )
      ).status,
    ).toBe(200);
    const mixed = await s.call(
      'POST',
      '/v1/feedback',
      { events: [ev('shop', 'e3'), ev('private', 'e4')] },
      as(BOTH),
    );
    expect(mixed.status).toBe(403);
    expect(s.chorus.db.events.count({ collection: 'shop', types: ['click'] })).toBe(1);
    // A multipart body is parsed after the check: its own collection field must not slip past it.
    const form = new FormData();
    form.set('collection', 'private');
    form.set('id', 'planted');
    form.set('text', 'hello');
    const multipart = await s.call('POST', '/v1/items?collection=shop', form, as(BOTH));
    expect(multipart.status).toBe(403);
    expect(multipart.json.error.message).toMatch(/not multipart/);
    expect((await s.chorus.engine.store.get('private', ['planted'])).length).toBe(0);
  });

  it('see only their collections listed; routes that name none are refused; no admin UI', async () => {
    const listed = await s.call('GET', '/v1/collections', undefined, as(BOTH));
    expect(listed.status).toBe(200);
    expect(listed.json.collections.map((c: { name: string }) => c.name).sort()).toEqual([
      'books',
      'shop',
    ]);
    expect(
      (await s.call('GET', '/v1/collections', undefined, as(ADMIN))).json.collections,
    ).toHaveLength(3);
    // A tenant's admin key administers its collection, not the server.
    expect(
      (
        await s.call(
          'PUT',
          '/v1/collections/shop/synonyms',
          { groups: [['hi', 'hello']] },
          as(SHOP_ADMIN),
        )
      ).status,
    ).toBe(200);
    expect(
      (await s.call('DELETE', '/v1/collections/private', undefined, as(SHOP_ADMIN))).status,
    ).toBe(403);
    const users = await s.call('DELETE', '/v1/users/u', undefined, as(SHOP_ADMIN));
    expect(users.status).toBe(403);
    expect(users.json.error.message).toMatch(/limited to the collections shop.*not per collection/);
    expect((await s.call('GET', '/v1/jobs', undefined, as(SHOP_ADMIN))).status).toBe(403);
    expect((await s.call('GET', '/metrics', undefined, as(SHOP_READ))).status).toBe(403);
    const login = await s.call('POST', '/admin/api/login', { key: SHOP_ADMIN });
    expect(login.status).toBe(401);
    expect((await s.call('GET', '/admin/api/collections', undefined, as(SHOP_ADMIN))).status).toBe(
      403,
    );
    expect((await s.call('POST', '/admin/api/login', { key: ADMIN })).status).toBe(200);
  });

  it('are read from the environment form, and refuse a bad collection name', () => {
    const c = parseConfig({ apiKeys: `${BOTH}:write@shop|books,${SHOP_READ}` });
    expect(c.apiKeys).toEqual([
      { key: BOTH, scope: 'write', collections: ['shop', 'books'] },
      { key: SHOP_READ, scope: 'read' },
    ]);
    expect(() => parseConfig({ apiKeys: `${BOTH}:write@sh op` })).toThrow(/collection names/);
    const ring = createKeyRing(c);
    expect(ring.isFullAdmin(BOTH)).toBe(false);
    expect([...(ring.access(BOTH)?.collections ?? [])]).toEqual(['shop', 'books']);
  });
});

describe('binding', () => {
  it('binds loopback when no key is configured, the configured host otherwise', () => {
    const open = parseConfig({ host: '0.0.0.0' });
    expect(bindHost(open, { keys: createKeyRing(open) })).toBe('127.0.0.1');
    const keyed = parseConfig({ host: '0.0.0.0', adminKey: ADMIN });
    expect(bindHost(keyed, { keys: createKeyRing(keyed) })).toBe('0.0.0.0');
  });

  it('matches keys by value only', () => {
    const ring = createKeyRing(parseConfig({ apiKeys: `${READ}:read` }));
    expect(ring.scopeOf(READ)).toBe('read');
    expect(ring.scopeOf(READ + 'x')).toBeUndefined();
    expect(ring.scopeOf(READ.slice(0, -1))).toBeUndefined();
  });
});
