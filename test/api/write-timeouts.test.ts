import { request, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemInput, VectorStore, WriteOptions } from '../../src/stores/vector-store.js';
import { startServer, vec, type TestServer } from './harness.js';

const C = 'slow';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects every log line the server writes at warn and above (a second response would be logged as an error). */
function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

/** Counts attempts to answer a response twice anywhere in this process (ERR_HTTP_HEADERS_SENT). */
const secondAnswers: string[] = [];
const realSetHeader = ServerResponse.prototype.setHeader;
ServerResponse.prototype.setHeader = function (
  this: ServerResponse,
  ...args: Parameters<ServerResponse['setHeader']>
) {
  if (this.headersSent) secondAnswers.push(`${args[0]} after headers were sent`);
  return realSetHeader.apply(this, args);
};

type Upsert = VectorStore['upsert'];

/** Wraps the real store's upsert with an injected delay before or after the real call (a slow disk, a lock held). */
function slowUpserts(
  store: VectorStore,
  where: 'before' | 'after',
  ms: number,
): { restore(): void; settled: Promise<void>[] } {
  const real = store.upsert.bind(store) as Upsert;
  const settled: Promise<void>[] = [];
  store.upsert = (collection: string, items: ItemInput[], opts?: WriteOptions) => {
    const run = (async () => {
      if (where === 'before') await sleep(ms);
      const r = await real(collection, items, opts);
      if (where === 'after') await sleep(ms);
      return r;
    })();
    settled.push(
      run.then(
        () => undefined,
        () => undefined,
      ),
    );
    return run;
  };
  return { restore: () => (store.upsert = real), settled };
}

const item = (id: string, word: string) => ({
  id,
  payload: { title: `${word} lamp` },
  vectors: { dense: vec(8, id.length, 1) },
});

describe('request timeout on writes: one answer, and it says whether the write was applied', () => {
  let s: TestServer;
  const log = logSink();
  beforeAll(async () => {
    s = await startServer(
      { limits: { requestTimeoutMs: 1000, writeGraceMs: 0 } },
      { logger: log.logger },
    );
    await s.call('POST', '/v1/collections', {
      name: C,
      vectors: { dense: { modality: 'text', dim: 8 } },
      payloadIndexes: { title: 'text' },
    });
  });
  afterAll(() => s.close());

  it('a write still queued at the timeout is not applied: 504 applied:false, nothing stored, no second response', async () => {
    const slow = slowUpserts(s.chorus.store, 'before', 2000);
    try {
      const r = await s.call('POST', '/v1/items', {
        collection: C,
        items: [item('queued-1', 'walnut')],
      });
      expect(r.status).toBe(504);
      expect(r.json.error.code).toBe('TIMEOUT');
      expect(r.json.error.details).toEqual({ applied: false });
      expect(r.json.error.message).toMatch(/not applied; retrying it is safe/);
      await Promise.all(slow.settled); // the store call wakes up, sees the aborted signal and writes nothing
    } finally {
      slow.restore();
    }
    expect(await s.chorus.store.get(C, ['queued-1'])).toEqual([]);
    expect(s.chorus.bm25.search(C, 'walnut', 5)).toEqual([]);
    expect(log.lines.join('')).not.toMatch(/ERR_HTTP_HEADERS_SENT|request failed/);
    expect(secondAnswers).toEqual([]);
    expect((await s.call('GET', '/healthz')).status).toBe(200);
  });

  it('a write whose body is still arriving at the timeout: 504 applied:false (it never started)', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${s.url}/v1/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      req.on('error', reject);
      req.on('response', (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => {
          resolve({ status: r.statusCode ?? 0, body });
          req.destroy();
        });
      });
      // Half a body, never finished: the server can only answer through its timeout.
      req.write(JSON.stringify({ collection: C, items: [item('body-1', 'maple')] }).slice(0, 20));
    });
    expect(res.status).toBe(504);
    const json = JSON.parse(res.body) as { error: { details: unknown; message: string } };
    expect(json.error.details).toEqual({ applied: false });
    expect(json.error.message).toMatch(/not applied; retrying it is safe/);
    expect(await s.chorus.store.get(C, ['body-1'])).toEqual([]);
  });

  it('a commit under way at the timeout finishes: 504 applied:"unknown", then the item is stored and indexed, and a retry is a no-op', async () => {
    const slow = slowUpserts(s.chorus.store, 'after', 2000);
    const body = {
      collection: C,
      items: [item('inflight-1', 'cedar'), item('inflight-22', 'cedar')],
    };
    try {
      const r = await s.call('POST', '/v1/items', body);
      expect(r.status).toBe(504);
      expect(r.json.error.details).toEqual({ applied: 'unknown' });
      expect(r.json.error.message).toMatch(/may or may not have been applied; retrying it is safe/);
      await Promise.all(slow.settled);
    } finally {
      slow.restore();
    }
    await sleep(20);
    // Finished idempotently: the store has both items and the lexical index agrees.
    expect((await s.chorus.store.get(C, ['inflight-1', 'inflight-22'])).map((i) => i.id)).toEqual([
      'inflight-1',
      'inflight-22',
    ]);
    expect(
      s.chorus.bm25
        .search(C, 'cedar', 5)
        .map((h) => h.id)
        .sort(),
    ).toEqual(['inflight-1', 'inflight-22']);
    const before = await s.chorus.store.count(C);
    const retry = await s.call('POST', '/v1/items', body);
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual({ upserted: 2 });
    expect(await s.chorus.store.count(C)).toBe(before);
    expect(s.chorus.bm25.search(C, 'cedar', 5)).toHaveLength(2);
    expect(log.lines.join('')).not.toMatch(/ERR_HTTP_HEADERS_SENT|request failed/);
    expect(secondAnswers).toEqual([]);
  });

  it('a delete queued at the timeout is not applied', async () => {
    await s.call('POST', '/v1/items', { collection: C, items: [item('keep-me', 'birch')] });
    const real = s.chorus.store.delete.bind(s.chorus.store);
    let done: Promise<unknown> = Promise.resolve();
    s.chorus.store.delete = (c, ids, opts) =>
      (done = sleep(2000).then(() => real(c, ids, opts))) as ReturnType<typeof real>;
    try {
      const r = await s.call('DELETE', `/v1/items/keep-me?collection=${C}`);
      expect(r.status).toBe(504);
      expect(r.json.error.details).toEqual({ applied: false });
      await done.catch(() => undefined);
    } finally {
      s.chorus.store.delete = real;
    }
    expect((await s.chorus.store.get(C, ['keep-me'])).map((i) => i.id)).toEqual(['keep-me']);
  });
});

describe('write grace: a commit that lands soon after the timeout answers for itself', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ limits: { requestTimeoutMs: 1000, writeGraceMs: 5000 } });
    await s.call('POST', '/v1/collections', {
      name: C,
      vectors: { dense: { modality: 'text', dim: 8 } },
    });
  });
  afterAll(() => s.close());

  it('answers 200 (applied) instead of an "unknown" 504 when the commit settles within the grace', async () => {
    const slow = slowUpserts(s.chorus.store, 'after', 1800);
    try {
      const t0 = Date.now();
      const r = await s.call('POST', '/v1/items', {
        collection: C,
        items: [item('graced', 'oak')],
      });
      expect(r.status, r.text).toBe(200);
      expect(r.json).toEqual({ upserted: 1 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1700);
    } finally {
      slow.restore();
    }
  });

  it('a queued write is still answered at the timeout (no grace for work that has not started)', async () => {
    // The write reaches the store 4.5 s in: answered at the 1 s timeout, not after it (3 s of margin for a loaded
    // box; with 2.5 s and a 2.4 s bound the margin was 1.4 s).
    const slow = slowUpserts(s.chorus.store, 'before', 4500);
    try {
      const t0 = Date.now();
      const r = await s.call('POST', '/v1/items', {
        collection: C,
        items: [item('queued-2', 'elm')],
      });
      expect(r.status).toBe(504);
      expect(r.json.error.details).toEqual({ applied: false });
      expect(Date.now() - t0).toBeLessThan(4000);
      await Promise.all(slow.settled);
    } finally {
      slow.restore();
    }
    expect(await s.chorus.store.get(C, ['queued-2'])).toEqual([]);
  });
});
