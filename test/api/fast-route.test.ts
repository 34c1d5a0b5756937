import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, vec, type TestServer } from './harness.js';

const DIM = 8;
const READ = 'read-key-123';
const ADMIN = 'admin-key-0123456789';

/**
 * POST /v1/search in its plain shape skips express's router and body parser (src/api/fast-route.ts). The same
 * request with a query string takes the router, so each case is sent both ways and must be answered alike.
 */
describe('the /v1/search fast path', () => {
  let s: TestServer;
  let routed = 0;
  beforeAll(async () => {
    s = await startServer({
      adminKey: ADMIN,
      apiKeys: `${READ}:read`,
      limits: { maxBodyBytes: 64 * 1024, rateLimitPerMinute: 1000 },
    });
    const router = (
      s.chorus.api.app as unknown as { router: { handle: (...a: unknown[]) => void } }
    ).router;
    const handle = router.handle.bind(router);
    router.handle = (...a: unknown[]) => {
      routed++;
      handle(...a);
    };
    const admin = { 'api-key': ADMIN };
    await s.call(
      'POST',
      '/v1/collections',
      {
        name: 'fp',
        vectors: { text: { modality: 'text', dim: DIM } },
        payloadIndexes: { title: 'text' },
      },
      admin,
    );
    const items = Array.from({ length: 30 }, (_, i) => ({
      id: `i${i}`,
      payload: { title: `item ${i} ${i % 3 ? 'red' : 'blue'} fox`, n: i },
      vectors: { text: vec(DIM, i, i) },
    }));
    expect((await s.call('POST', '/v1/items', { collection: 'fp', items }, admin)).status).toBe(
      200,
    );
  });
  afterAll(async () => {
    await s?.close();
  });

  const auth = { authorization: `Bearer ${READ}`, 'x-request-id': 'req-1' };
  /** The answer to `body` by the fast path and by the router (the same path with a query string). */
  async function bothWays(body: unknown, headers: Record<string, string> = auth) {
    const before = routed;
    const fast = await s.call('POST', '/v1/search', body, headers);
    const fastRouted = routed - before;
    const slow = await s.call('POST', '/v1/search?via=router', body, headers);
    return { fast, slow, fastRouted, slowRouted: routed - before - fastRouted };
  }
  const headersOf = (h: Headers, skip: string[]) =>
    Object.fromEntries([...h].filter(([k]) => !['date', ...skip].includes(k)));

  it('answers searches as the router does, without walking it', async () => {
    const body = { collection: 'fp', text: 'red fox', vectors: { text: vec(DIM, 4, 4) }, limit: 5 };
    const { fast, slow, fastRouted, slowRouted } = await bothWays(body);
    expect(fastRouted).toBe(0);
    expect(slowRouted).toBe(1);
    expect(fast.status).toBe(200);
    expect(slow.status).toBe(200);
    // Each answer has its own query id and timings; everything else is the same.
    const same = (j: { queryId?: string; timings?: unknown }) => ({
      ...j,
      queryId: undefined,
      timings: undefined,
    });
    expect(same(fast.json)).toEqual(same(slow.json));
    expect(fast.json.hits.map((h: { id: string }) => h.id)).toContain('i4');
    // Same headers (security headers, rate limit, request id, content type); the ETag and length follow the body.
    expect(headersOf(fast.headers, ['etag', 'content-length', 'ratelimit'])).toEqual(
      headersOf(slow.headers, ['etag', 'content-length', 'ratelimit']),
    );
    expect(fast.headers.get('etag')).toMatch(/^W\/"[0-9a-f]+-/);
    expect(fast.headers.get('ratelimit')).toMatch(/^"1000-in-1min"; r=\d+; t=\d+$/);
  });

  it('answers every error byte for byte as the router does', async () => {
    const deep = `{"collection":"fp","text":"x","filter":${'['.repeat(80)}${']'.repeat(80)}}`;
    const cases: [string, string | Uint8Array, Record<string, string>?][] = [
      ['unknown field', JSON.stringify({ collection: 'fp', text: 'x', nope: 1 })],
      ['no query', JSON.stringify({ collection: 'fp' })],
      ['unknown collection', JSON.stringify({ collection: 'nope', text: 'x' })],
      ['wrong dimension', JSON.stringify({ collection: 'fp', vectors: { text: [1, 2] } })],
      ['not a number', JSON.stringify({ collection: 'fp', vectors: { text: ['a'] } })],
      ['broken JSON', '{"collection": "fp", "text": '],
      ['a JSON string', '"fp"'],
      ['a JSON array', '[1, 2]'],
      ['too deep', deep],
      ['invalid UTF-8', Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
      ['over the body limit', JSON.stringify({ collection: 'fp', text: 'x'.repeat(70_000) })],
      ['no key', JSON.stringify({ collection: 'fp', text: 'x' }), { 'x-request-id': 'req-1' }],
      [
        'a wrong key',
        JSON.stringify({ collection: 'fp', text: 'x' }),
        { 'api-key': 'wrong-key-123', 'x-request-id': 'req-1' },
      ],
    ];
    for (const [name, body, headers] of cases) {
      const { fast, slow } = await bothWays(body, headers ?? auth);
      expect(fast.status, name).toBeGreaterThanOrEqual(400);
      expect({ status: fast.status, text: fast.text }, name).toEqual({
        status: slow.status,
        text: slow.text,
      });
      expect(headersOf(fast.headers, ['ratelimit']), name).toEqual(
        headersOf(slow.headers, ['ratelimit']),
      );
    }
  });

  it('takes a leading BOM and a utf-8 charset as the router does', async () => {
    const json = JSON.stringify({ collection: 'fp', text: 'blue fox', limit: 3 });
    const bom = Uint8Array.from([0xef, 0xbb, 0xbf, ...Buffer.from(json)]);
    for (const [body, type] of [
      [bom, 'application/json'],
      [json, 'application/json; charset=utf-8'],
    ] as const) {
      const { fast, slow, fastRouted } = await bothWays(body, { ...auth, 'content-type': type });
      expect(fastRouted).toBe(0);
      expect(fast.status).toBe(200);
      expect(fast.json.hits.map((h: { id: string }) => h.id)).toEqual(
        slow.json.hits.map((h: { id: string }) => h.id),
      );
    }
  });

  it('leaves other shapes to the router: other content types, casing, methods', async () => {
    const json = JSON.stringify({ collection: 'fp', text: 'x' });
    const before = routed;
    const text = await s.call('POST', '/v1/search', json, {
      ...auth,
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
    expect((await s.call('GET', '/v1/search', undefined, auth)).status).toBe(404);
    expect(routed - before).toBe(2);
  });

  it('counts fast-path searches under the route in the request metrics', async () => {
    await s.call('POST', '/v1/search', { collection: 'fp', text: 'fox' }, auth);
    const metrics = await s.call('GET', '/metrics', undefined, { 'api-key': ADMIN });
    const line = metrics.text
      .split('\n')
      .find((l: string) =>
        l.startsWith(
          'chorus_http_request_duration_seconds_count{route="/v1/search",method="POST",status="200"}',
        ),
      );
    expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(4);
  });
});

describe('the /v1/search fast path under a rate limit', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ limits: { rateLimitPerMinute: 2 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('counts against the same bucket and refuses alike', async () => {
    const body = { collection: 'none', text: 'x' };
    expect((await s.call('POST', '/v1/search', body)).status).toBe(404);
    expect((await s.call('POST', '/v1/search?via=router', body)).status).toBe(404);
    const fast = await s.call('POST', '/v1/search', body);
    const slow = await s.call('POST', '/v1/search?via=router', body);
    expect(fast.status).toBe(429);
    expect(fast.text).toBe(slow.text);
    expect(fast.headers.get('ratelimit-policy')).toBe(slow.headers.get('ratelimit-policy'));
  });
});
