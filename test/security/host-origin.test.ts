import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedExtras } from '../../src/app/extras.js';
import { startServer, type TestServer } from '../api/harness.js';
import { ADMIN, bearer, expectNoLeak, KEYS, pathsOf, startKeyedServer, WRITER } from './support.js';

/** A raw HTTP call with the Host and Origin a rebound or cross-site browser page would send (fetch may not set Host). */
function raw(
  url: string,
  method: string,
  p: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; text: string; setCookie: string[] }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: p,
        headers: {
          ...headers,
          ...(data
            ? {
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(data)),
              }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text,
            setCookie: res.headers['set-cookie'] ?? [],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const SCHEMA = { name: 'rebound', vectors: { text: { modality: 'text', dim: 4 } } };

/** Finding 4 of issue 12: with no key configured, a DNS-rebound page logged in to the admin UI and dropped collections. */
describe('security: no-key mode answers loopback Host names only; admin writes check Origin in every mode', () => {
  let open: TestServer;
  let keyed: TestServer;
  beforeAll(async () => {
    open = await startServer({}, { extraRouters: servedExtras(() => {}) });
    keyed = await startKeyedServer();
    expect((await open.call('POST', '/v1/collections', { ...SCHEMA, name: 'kept' })).status).toBe(
      201,
    );
  });
  afterAll(async () => {
    await open?.close();
    await keyed?.close();
  });

  it('finding 4: a rebound Host is refused before login, collection writes or reads; nothing changes', async () => {
    const port = new URL(open.url).port;
    const evil = {
      host: `rebind.evil.example:${port}`,
      origin: `http://rebind.evil.example:${port}`,
    };
    const login = await raw(open.url, 'POST', '/admin/api/login', evil, {});
    expect(login.status).toBe(403);
    expect(login.setCookie).toEqual([]);
    expect((await raw(open.url, 'POST', '/v1/collections', evil, SCHEMA)).status).toBe(403);
    expect((await raw(open.url, 'DELETE', '/v1/collections/kept', evil)).status).toBe(403);
    const read = await raw(open.url, 'GET', '/v1/collections', {
      host: `rebind.evil.example:${port}`,
    });
    expect(read.status).toBe(403);
    expect(read.text).toMatch(/127\.0\.0\.1, localhost or \[::1\]/);
    expectNoLeak(login.text + read.text, pathsOf(open.dir));
    expect((await open.chorus.store.listCollections()).map((c) => c.name)).toEqual(['kept']);
  });

  it('loopback names (with or without a port) are served in no-key mode', async () => {
    const port = new URL(open.url).port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'localhost',
      `[::1]:${port}`,
      `LOCALHOST:${port}`,
    ]) {
      expect((await raw(open.url, 'GET', '/v1/collections', { host })).status, host).toBe(200);
    }
    for (const host of [
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example`,
      `0.0.0.0:${port}`,
      `[::1].evil:${port}`,
    ]) {
      expect((await raw(open.url, 'GET', '/v1/collections', { host })).status, host).toBe(403);
    }
  });

  it('no-key mode: a cross-origin write is refused even with a loopback Host; same-origin and Origin-less writes pass', async () => {
    const port = new URL(open.url).port;
    const host = `127.0.0.1:${port}`;
    expect(
      (
        await raw(
          open.url,
          'POST',
          '/v1/collections',
          { host, origin: 'http://evil.example' },
          SCHEMA,
        )
      ).status,
    ).toBe(403);
    expect(
      (await raw(open.url, 'POST', '/admin/api/login', { host, origin: 'null' }, {})).status,
    ).toBe(403);
    expect(
      (
        await raw(
          open.url,
          'POST',
          '/v1/collections',
          { host, origin: `http://${host}` },
          { ...SCHEMA, name: 'same' },
        )
      ).status,
    ).toBe(201);
    expect(
      (await raw(open.url, 'POST', '/v1/collections', { host }, { ...SCHEMA, name: 'script' }))
        .status,
    ).toBe(201);
    expect((await open.chorus.store.listCollections()).map((c) => c.name).sort()).toEqual([
      'kept',
      'same',
      'script',
    ]);
  });

  it('keyed mode: admin writes with a valid admin key from a foreign Origin are refused; scripts without Origin work', async () => {
    const port = new URL(keyed.url).port;
    const host = `chorus.example.com:${port}`; // any name is fine once keys are configured
    const foreign = { host, origin: 'https://evil.example', ...bearer(ADMIN) };
    const r = await raw(keyed.url, 'POST', '/v1/collections', foreign, SCHEMA);
    expect(r.status).toBe(403);
    expect(
      (await raw(keyed.url, 'PUT', '/admin/api/presets/p1', foreign, { fusion: 'rrf' })).status,
    ).toBe(403);
    expect(
      (await raw(keyed.url, 'POST', '/v1/collections', { host, ...bearer(ADMIN) }, SCHEMA)).status,
    ).toBe(201);
    // A write-scope route (not an admin change) keeps working for browser apps on other origins that hold a key.
    const items = { collection: 'rebound', items: [{ id: 'x', vectors: { text: [1, 0, 0, 0] } }] };
    expect(
      (
        await raw(
          keyed.url,
          'POST',
          '/v1/items',
          { host, origin: 'https://shop.example', ...bearer(WRITER) },
          items,
        )
      ).status,
    ).toBe(200);
    expectNoLeak(r.text, [...KEYS, ...pathsOf(keyed.dir)]);
    expect((await keyed.chorus.store.listCollections()).map((c) => c.name)).toEqual(['rebound']);
  });
});
