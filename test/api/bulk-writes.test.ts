import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjsonLines } from '../../src/api/ndjson-lines.js';
import { startServer, vec, type TestServer } from './harness.js';

const C = 'bulk';
const DIMS = { text: 384, image: 512, image_text: 512 } as const;

/** Embedding-like vectors (clustered, unit length), rounded the way JSON clients send them. */
function embedding(dim: number, seed: number): number[] {
  const v = Array.from(
    { length: dim },
    (_, i) => Math.sin(seed * 0.61 + i * 0.37) + 0.3 * Math.sin(seed * 2.3 + i * 1.9),
  );
  const n = Math.hypot(...v);
  return v.map((x) => Number((x / n).toFixed(6)));
}
const bulkItem = (n: number) => ({
  id: `p${n}`,
  payload: { title: `product ${n}`, n },
  text: `product number ${n} in the catalogue`,
  vectors: Object.fromEntries(Object.entries(DIMS).map(([name, dim]) => [name, embedding(dim, n)])),
});

/** POST on a fresh connection (no keep-alive reuse racing the server's idle close while 33 MB go out). */
function postFresh(
  url: string,
  body: string,
): Promise<{ status: number; json: { error: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as never }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('body limit for bulk vector loads', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(); // default limits: 32 MiB for /v1/items, 2 MiB elsewhere
    const vectors = Object.fromEntries(
      Object.entries(DIMS).map(([name, dim]) => [
        name,
        { modality: name === 'text' ? 'text' : 'image', dim },
      ]),
    );
    expect((await s.call('POST', '/v1/collections', { name: C, vectors })).status).toBe(201);
  });
  afterAll(() => s.close());

  it('accepts a 5 MB batch of items with three vectors each (384 + 512 + 512)', async () => {
    const items = Array.from({ length: 400 }, (_, n) => bulkItem(n));
    const body = JSON.stringify({ collection: C, items });
    expect(body.length).toBeGreaterThan(5_000_000);
    const r = await s.call('POST', '/v1/items', body);
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(r.json).toEqual({ upserted: 400 });
    expect(await s.chorus.store.count(C)).toBe(400);
  }, 60_000);

  it('refuses a body over 32 MiB with a 413 that names the figure and the setting', async () => {
    const body = JSON.stringify({
      collection: C,
      items: [{ id: 'big', payload: { blob: 'x'.repeat(33 * 1024 * 1024) } }],
    });
    const r = await postFresh(`${s.url}/v1/items`, body);
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(r.json.error.message).toContain('32 MiB (33554432 bytes)');
    expect(r.json.error.message).toContain('limits.maxItemsBodyBytes');
    expect(await s.chorus.store.get(C, ['big'])).toEqual([]);
  }, 60_000);

  it('keeps the small limit on other routes', async () => {
    const r = await s.call(
      'POST',
      '/v1/search',
      JSON.stringify({ collection: C, text: 'x'.repeat(3 * 1024 * 1024) }),
    );
    expect(r.status).toBe(413);
    expect(r.json.error.message).toContain('2 MiB (2097152 bytes)');
    expect(r.json.error.message).toContain('limits.maxBodyBytes');
  });
});

describe('POST /v1/items/stream (NDJSON)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
    await s.call('POST', '/v1/collections', {
      name: 'nd',
      vectors: { dense: { modality: 'text', dim: 8 } },
      payloadIndexes: { title: 'text' },
    });
  });
  afterAll(() => s.close());
  const line = (id: string, title: string, axis = 1) =>
    JSON.stringify({ id, payload: { title }, vectors: { dense: vec(8, id.length, axis) } });
  const ndjson = { 'content-type': 'application/x-ndjson' };

  it('stores the good lines in batches and reports each bad line with its number and reason', async () => {
    const lines = [
      line('a1', 'amber teapot'), // 1
      '{"id":"bad-json",', // 2
      '', // 3 blank: skipped
      line('a2', 'amber kettle') + '\r', // 4 CRLF
      JSON.stringify({ id: 'a3', colour: 'red' }), // 5 unknown field
      JSON.stringify({ id: 'a4', vectors: { dense: [1, 2, 3] } }), // 6 wrong dimension
      JSON.stringify({ id: 'a5', vectors: { missing: vec(8, 1, 1) } }), // 7 no such vector
      line('a6', 'amber mug'), // 8
      line('a1', 'amber teapot, second edition'), // 9 same id again: the later line wins
      '[1,2]', // 10 not an item
      JSON.stringify({
        id: 'a8',
        payload: { _source: { root: '/', text: 'etc/hostname' } },
        vectors: { dense: vec(8, 2, 1) },
      }), // 11 reserved key
      line('a7', 'amber jug'), // 12, no trailing newline
    ];
    const r = await s.call(
      'POST',
      '/v1/items/stream?collection=nd&batch=2',
      lines.join('\n'),
      ndjson,
    );
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ upserted: 5, failed: 6, lines: 12, errorsTruncated: false });
    expect(r.json.batches).toBeGreaterThanOrEqual(3);
    const byLine = Object.fromEntries(
      r.json.errors.map((e: { line: number; code: string; message: string; id?: string }) => [
        e.line,
        e,
      ]),
    );
    expect(Object.keys(byLine).map(Number)).toEqual([2, 5, 6, 7, 10, 11]);
    expect(byLine[2]).toMatchObject({ code: 'BAD_REQUEST', message: 'the line is not valid JSON' });
    expect(byLine[5]).toMatchObject({ id: 'a3', code: 'VALIDATION' });
    expect(byLine[6]).toMatchObject({ id: 'a4', code: 'DIMENSION_MISMATCH' });
    expect(byLine[6].message).toMatch(/a4/);
    expect(byLine[7]).toMatchObject({ id: 'a5', code: 'VALIDATION' });
    expect(byLine[11]).toMatchObject({ id: 'a8', code: 'VALIDATION' });
    expect(byLine[11].message).toContain('_source');
    const stored = await s.chorus.store.get('nd', ['a1', 'a2', 'a6', 'a7', 'a3', 'a4', 'a5', 'a8']);
    expect(stored.map((i) => i.id)).toEqual(['a1', 'a2', 'a6', 'a7']);
    expect(stored[0]!.payload.title).toBe('amber teapot, second edition');
    // BM25 agrees with the store.
    expect(
      s.chorus.bm25
        .search('nd', 'amber', 10)
        .map((h) => h.id)
        .sort(),
    ).toEqual(['a1', 'a2', 'a6', 'a7']);
  });

  it('commits while the body is still arriving (streamed request, batches of 3)', async () => {
    const total = 30;
    let sent = 0;
    const countsSeen: number[] = [];
    const chorus = s.chorus;
    const body = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        if (sent === total) return ctrl.close();
        // Before the last lines are sent, the earlier batches are already in the store.
        if (sent === 24)
          countsSeen.push(
            (
              await chorus.store.get(
                'nd',
                Array.from({ length: 24 }, (_, i) => `s${i}`),
              )
            ).length,
          );
        ctrl.enqueue(
          new TextEncoder().encode(line(`s${sent}`, `streamed item ${sent}`, sent) + '\n'),
        );
        sent++;
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    const res = await fetch(`${s.url}/v1/items/stream?collection=nd&batch=3`, {
      method: 'POST',
      headers: ndjson,
      body,
      duplex: 'half',
    } as RequestInit);
    const json = (await res.json()) as { upserted: number; batches: number; failed: number };
    expect(res.status).toBe(200);
    expect(json).toMatchObject({ upserted: total, failed: 0, batches: 10 });
    expect(countsSeen[0]).toBeGreaterThan(0); // at least one batch committed before the body ended
    const ids = Array.from({ length: total }, (_, i) => `s${i}`);
    expect((await s.chorus.store.get('nd', ids)).length).toBe(total);
  });

  it('refuses a body that is not NDJSON, an unknown collection and a missing one', async () => {
    expect((await s.call('POST', '/v1/items/stream?collection=nd', line('x', 'y'))).status).toBe(
      415,
    ); // application/json
    expect(
      (await s.call('POST', '/v1/items/stream?collection=nope', line('x', 'y'), ndjson)).status,
    ).toBe(404);
    expect((await s.call('POST', '/v1/items/stream', line('x', 'y'), ndjson)).status).toBe(400);
  });
});

describe('ndjsonLines', () => {
  async function collect(chunks: string[], max: number) {
    const out: unknown[] = [];
    for await (const l of ndjsonLines(
      (async function* () {
        for (const c of chunks) yield Buffer.from(c);
      })(),
      max,
    ))
      out.push(
        'error' in l
          ? { line: l.line, error: l.error }
          : { line: l.line, text: l.bytes.toString() },
      );
    return out;
  }

  it('splits across chunk boundaries, skips blank lines and reports an overlong line without losing the next', async () => {
    expect(
      await collect(['{"a"', ':1}\n\n  \n{"b":2}\r\n', '0123456789', 'abcdef\n{"c":3}'], 12),
    ).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":2}' },
      { line: 5, error: 'line is longer than 12 bytes' },
      { line: 6, text: '{"c":3}' },
    ]);
  });
});

describe('POST /v1/items/stream: the timeout counts time without progress', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ limits: { requestTimeoutMs: 3000, writeGraceMs: 0 } });
    await s.chorus.engine.createCollection({
      name: 'st',
      vectors: { dense: { modality: 'text', dim: 8 } },
    });
  });
  afterAll(() => s.close());
  const line = (n: number) => JSON.stringify({ id: `t${n}`, vectors: { dense: vec(8, n, n) } });

  it('a stream longer than the timeout succeeds while batches keep committing; a stalled batch answers 504 with appliedThroughLine', async () => {
    // 8 batches of 2 lines, each commit slowed to 500 ms: 4 s in all, over the 3 s limit, never 3 s without progress
    // (2.5 s of margin per batch for the real commit on a loaded box; it was 1.1 s with 400 ms under a 1.5 s limit).
    const real = s.chorus.store.upsert.bind(s.chorus.store);
    let calls = 0;
    let stalledCall: Promise<unknown> = Promise.resolve();
    s.chorus.store.upsert = async (c, items, opts) => {
      calls++;
      // The 4th commit of the second stream stalls past the limit before reaching the store.
      const call = new Promise((r) => setTimeout(r, calls === 12 ? 5000 : 500)).then(() =>
        real(c, items, opts),
      );
      if (calls === 12) stalledCall = call.catch(() => undefined);
      return call;
    };
    try {
      const body = Array.from({ length: 16 }, (_, n) => line(n)).join('\n');
      const ok = await s.call('POST', '/v1/items/stream?collection=st&batch=2', body, {
        'content-type': 'application/x-ndjson',
      });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.json).toMatchObject({ upserted: 16, batches: 8, failed: 0 });

      const body2 = Array.from({ length: 10 }, (_, n) => line(100 + n)).join('\n');
      const stalled = await s.call('POST', '/v1/items/stream?collection=st&batch=2', body2, {
        'content-type': 'application/x-ndjson',
      });
      expect(stalled.status).toBe(504);
      expect(stalled.json.error.details).toEqual({
        applied: false,
        appliedThroughLine: 6,
        upserted: 6,
      });
      expect(stalled.json.error.message).toMatch(/through line 6 are stored/);
      await stalledCall; // the stalled call wakes, sees the aborted signal, writes nothing
    } finally {
      s.chorus.store.upsert = real;
    }
    const ids = Array.from({ length: 10 }, (_, n) => `t${100 + n}`);
    expect((await s.chorus.store.get('st', ids)).map((i) => i.id)).toEqual(ids.slice(0, 6));
  });
});
