import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { Router } from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, vec, type TestServer } from '../api/harness.js';

const ADMIN = 'admin-key-sec-0123456789';
const KEY_A = 'key-a-write-secret-1';
const KEY_B = 'key-b-write-secret-2';
const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
// The request timeout must be long enough that ordinary requests (creating a LanceDB table) finish under a loaded
// CI machine, and the slow route far longer than it, so the 504 is told apart from slowness without a tight clock.
const SLOW_LIMIT_MS = 3000;
const SLOW_ROUTE_MS = 12_000;

/** A pino logger whose JSON lines land in an array, so the test reads exactly what production would log. */
function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), text: () => lines.join('') };
}

describe('security: headers, per-key rate limits, body/upload limits, request timeout, log redaction', () => {
  let s: TestServer;
  const log = capturedLogger();
  beforeAll(async () => {
    s = await startServer(
      {
        adminKey: ADMIN,
        apiKeys: `${KEY_A}:write,${KEY_B}:write`,
        logLevel: 'info',
        limits: {
          rateLimitPerMinute: 8,
          maxBodyBytes: 4096,
          maxItemsBodyBytes: 4096,
          maxUploadBytes: 2048,
          requestTimeoutMs: SLOW_LIMIT_MS,
        },
      },
      {
        logger: log.logger,
        // A deliberately slow route: the timeout middleware must answer before it does.
        extraRouters: () => {
          const router = Router();
          router.get('/test/slow', async (_req, res) => {
            await new Promise((r) => setTimeout(r, SLOW_ROUTE_MS));
            if (!res.headersSent) res.json({ late: true });
          });
          return [{ router, routes: [] }];
        },
      },
    );
    const schema = { name: 'sec', vectors: { text: { modality: 'text', dim: 4 } } };
    expect((await s.call('POST', '/v1/collections', schema, bearer(ADMIN))).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('holds API keys only as SHA-256 digests', () => {
    const seen = inspect(s.chorus.api.keys, { depth: 10, showHidden: true });
    for (const key of [ADMIN, KEY_A, KEY_B]) expect(seen).not.toContain(key);
    expect(s.chorus.api.keys.scopeOf(KEY_A)).toBe('write');
    expect(s.chorus.api.keys.scopeOf(`${KEY_A}x`)).toBeUndefined();
  });

  it('sends helmet security headers and no x-powered-by', async () => {
    const r = await s.call('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('strict-transport-security')).toContain('max-age=');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('x-powered-by')).toBeNull();
  });

  it('rate-limits per key: one key exhausted gets 429 JSON, another key and health probes are unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push((await s.call('GET', '/v1/collections', undefined, bearer(KEY_A))).status);
    expect(statuses.slice(0, 7).every((x) => x === 200)).toBe(true);
    const limited = await s.call('GET', '/v1/collections', undefined, bearer(KEY_A));
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('RATE_LIMITED');
    expect(limited.json.error.message).toMatch(/requests per 60 s/);
    expect(
      limited.headers.get('ratelimit-policy') ?? limited.headers.get('ratelimit'),
    ).toBeTruthy();
    expect((await s.call('GET', '/v1/collections', undefined, bearer(KEY_B))).status).toBe(200);
    for (let i = 0; i < 12; i++) expect((await s.call('GET', '/healthz')).status).toBe(200);
  });

  it('made-up keys share their IP bucket: inventing keys does not escape the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push(
        (await s.call('GET', '/v1/collections', undefined, bearer(`invented-key-${i}-xxxxxxxx`)))
          .status,
      );
    expect(statuses.slice(0, 8).every((x) => x === 401)).toBe(true);
    expect(statuses.slice(8)).toEqual([429, 429]);
  });

  it('rejects oversize bodies and uploads with 413 and a message', async () => {
    const big = {
      collection: 'sec',
      items: [{ id: 'x', payload: { blob: 'a'.repeat(8000) }, vectors: { text: vec(4, 1, 0) } }],
    };
    const r = await s.call('POST', '/v1/items', big, bearer(KEY_B));
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    const form = new FormData();
    form.set('collection', 'sec');
    form.set('id', 'up');
    form.set('image', new Blob([new Uint8Array(5000)], { type: 'image/png' }), 'big.png');
    const up = await s.call('POST', '/v1/items', form, bearer(ADMIN));
    expect(up.status).toBe(413);
    expect(up.json.error.message).toMatch(/over the configured limit/);
    expect(await s.chorus.store.count('sec')).toBe(0);
  });

  it('answers 504 JSON when a request runs past limits.requestTimeoutMs, and keeps serving', async () => {
    const t0 = Date.now();
    const r = await s.call('GET', '/test/slow', undefined, bearer(ADMIN));
    expect(r.status).toBe(504);
    expect(r.json.error.code).toBe('TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(SLOW_ROUTE_MS - 1000); // answered by the timeout, not by the slow handler
    // let the slow handler finish: its late reply must not crash anything
    await new Promise((res) => setTimeout(res, Math.max(0, t0 + SLOW_ROUTE_MS + 500 - Date.now())));
    expect((await s.call('GET', '/healthz')).status).toBe(200);
  });

  it('never logs keys, cookies, query strings or user ids', async () => {
    const secretUser = 'user-with-private-id-42';
    await s.call('GET', `/v1/collections?q=${secretUser}`, undefined, bearer(ADMIN));
    await s.call('GET', '/v1/collections', undefined, {
      'api-key': KEY_B,
      cookie: 'chorus_session=cookie-secret-value',
    });
    await s.call('DELETE', `/v1/users/${secretUser}`, undefined, bearer(ADMIN));
    await s.call('GET', '/v1/collections', undefined, bearer('wrong-key-secret-value'));
    const text = log.text();
    expect(text).toContain('"url":"/v1/users/:id"'); // the request was logged, with its id scrubbed
    for (const secret of [
      ADMIN,
      KEY_A,
      KEY_B,
      'cookie-secret-value',
      'wrong-key-secret-value',
      secretUser,
    ])
      expect(text).not.toContain(secret);
  });
});
