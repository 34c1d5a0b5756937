import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindHost } from '../../src/app/build.js';
import { createKeyRing } from '../../src/api/middleware/auth.js';
import { parseConfig } from '../../src/config.js';
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
