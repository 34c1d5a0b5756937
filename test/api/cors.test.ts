import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { startServer, vec, type TestServer } from './harness.js';

const ADMIN = 'admin-key-0123456789';
const READ = 'browser-read-key-1';
const SHOP = 'https://shop.example';

/** Browser pages on configured origins may call /v1 with a key in a header; no one else gets CORS headers. */
describe('CORS for configured origins', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({
      adminKey: ADMIN,
      apiKeys: `${READ}:read@shop`,
      cors: { origins: [SHOP] },
    });
    const admin = { authorization: `Bearer ${ADMIN}` };
    await s.call(
      'POST',
      '/v1/collections',
      { name: 'shop', vectors: { text: { modality: 'text', dim: 4 } } },
      admin,
    );
    await s.call(
      'POST',
      '/v1/items',
      {
        collection: 'shop',
        items: [{ id: 'a', payload: { title: 'walnut lamp' }, vectors: { text: vec(4, 0, 0) } }],
      },
      admin,
    );
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers preflights from an allowed origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${s.url}/v1/search`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const ok = await preflight(SHOP);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an allowed page search with its key; other origins and the admin UI get no CORS headers', async () => {
    const search = (origin: string) =>
      s.call(
        'POST',
        '/v1/search',
        { collection: 'shop', text: 'walnut' },
        { origin, authorization: `Bearer ${READ}` },
      );
    const ok = await search(SHOP);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(ok.headers.get('vary')).toMatch(/origin/i);
    expect(
      (await search('https://evil.example')).headers.get('access-control-allow-origin'),
    ).toBeNull();
    // An admin change from a page is still refused, whatever the origin list says.
    const put = await s.call(
      'PUT',
      '/v1/collections/shop/synonyms',
      { groups: [['a', 'b']] },
      { origin: SHOP, authorization: `Bearer ${ADMIN}` },
    );
    expect(put.status).toBe(403);
    const adminUi = await s.call('GET', '/admin/', undefined, { origin: SHOP });
    expect(adminUi.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an origin that is not scheme://host[:port]', () => {
    expect(() => parseConfig({ cors: { origins: ['shop.example'] } })).toThrow(/scheme:\/\/host/);
    expect(
      parseConfig({ cors: { origins: 'https://a.example, http://localhost:3000' } }).cors.origins,
    ).toEqual(['https://a.example', 'http://localhost:3000']);
  });
});
