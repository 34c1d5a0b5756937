import { EventEmitter } from 'node:events';
import { request } from 'node:http';
import os from 'node:os';
import type { NextFunction, Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { admissionGate } from '../../src/api/middleware/admission.js';
import { parseConfig } from '../../src/config.js';
import type { Engine } from '../../src/engine/engine.js';
import { startServer, vec, type TestServer } from './harness.js';

/** Search admission over real HTTP: a slot limit, a first-come queue, 503 past the queue, and no leaks. */
const C = 'gate';

/** Holds every engine search until released, recording the order the searches reached the engine. */
function holdSearches(engine: Engine) {
  const real = engine.search.bind(engine);
  const started: string[] = [];
  const gates: (() => void)[] = [];
  engine.search = async (req) => {
    started.push(req.query.text ?? '');
    await new Promise<void>((r) => gates.push(r));
    return real(req);
  };
  return {
    started,
    /** Lets the oldest held search go on. */
    releaseOne: () => gates.shift()?.(),
    restore: () => (engine.search = real),
  };
}

/** Waits (vitest's waitFor) until `cond` holds. */
const until = (cond: () => boolean | Promise<boolean>, what: string) =>
  vi.waitFor(
    async () => {
      if (!(await cond())) throw new Error(`still waiting for ${what}`);
    },
    { timeout: 5000, interval: 5 },
  );

describe('search admission', () => {
  let s: TestServer;
  const search = (text: string) => s.call('POST', '/v1/search', { collection: C, text, limit: 2 });
  const metric = async (name: string) => {
    const m = new RegExp(`^${name} (\\d+)$`, 'm').exec((await s.call('GET', '/metrics')).text);
    return Number(m?.[1]);
  };

  /** Holds every engine search and starts one ('dress'), which takes the only slot. */
  const holdFirst = async () => {
    const held = holdSearches(s.chorus.engine);
    const first = search('dress');
    await until(() => held.started.length === 1, 'the first search').catch((e: unknown) => {
      held.restore();
      throw e;
    });
    return { held, first };
  };

  beforeAll(async () => {
    s = await startServer({
      limits: { searchConcurrency: 1, searchQueue: 2 },
    });
    expect(
      (
        await s.call('POST', '/v1/collections', {
          name: C,
          vectors: { text: { modality: 'text', dim: 4 } },
        })
      ).status,
    ).toBe(201);
    const items = ['red dress', 'blue coat', 'green shoes'].map((title, i) => ({
      id: `i${i}`,
      payload: { title },
      vectors: { text: vec(4, i, i) },
    }));
    expect((await s.call('POST', '/v1/items', { collection: C, items })).status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('runs one search at a time, queues the next two in order and turns the fourth away with 503', async () => {
    const { held, first } = await holdFirst();
    try {
      const second = search('coat');
      await until(async () => (await metric('chorus_search_waiting')) === 1, 'the second to queue');
      const third = search('shoes');
      await until(async () => (await metric('chorus_search_waiting')) === 2, 'the third to queue');
      expect(held.started).toEqual(['dress']);
      const fourth = await search('red');
      expect(fourth.status).toBe(503);
      expect(fourth.json.error.code).toBe('OVERLOADED');
      expect(fourth.json.error.message).toMatch(/limits\.searchConcurrency/);
      expect(fourth.headers.get('retry-after')).toBe('1');
      expect(await metric('chorus_search_waiting')).toBe(2);
      expect(await metric('chorus_search_running')).toBe(1);

      held.releaseOne();
      expect((await first).status).toBe(200);
      await until(() => held.started.length === 2, 'the second search');
      expect(held.started).toEqual(['dress', 'coat']);
      held.releaseOne();
      expect((await second).json.hits[0].id).toBe('i1');
      await until(() => held.started.length === 3, 'the third search');
      held.releaseOne();
      expect((await third).json.hits[0].id).toBe('i2');
      expect(held.started).toEqual(['dress', 'coat', 'shoes']);
      expect(await metric('chorus_search_running')).toBe(0);
      expect(await metric('chorus_search_waiting')).toBe(0);
      expect(await metric('chorus_search_rejected')).toBe(1);
      // The contract says so too.
      const openapi = (await s.call('GET', '/openapi.json')).json;
      expect(openapi.paths['/v1/search'].post.responses['503']).toBeDefined();
      expect(openapi.paths['/v1/recommend'].post.responses['503']).toBeDefined();
      expect(openapi.paths['/v1/items'].post.responses['503']).toBeUndefined();
    } finally {
      held.restore();
    }
  });

  it('gates recommendations too, and a request refused by its guards never takes a slot', async () => {
    const { held, first } = await holdFirst();
    try {
      const rec = s.call('POST', '/v1/recommend', { collection: C, itemId: 'i0', limit: 2 });
      await until(
        async () => (await metric('chorus_search_waiting')) === 1,
        'the recommendation to queue',
      );
      // Not JSON: refused (415) before the gate, so it neither waits nor runs.
      const bad = await s.call('POST', '/v1/search', 'x', { 'content-type': 'text/plain' });
      expect(bad.status).toBe(415);
      expect(await metric('chorus_search_waiting')).toBe(1);
      held.releaseOne();
      expect((await first).status).toBe(200);
      expect((await rec).status).toBe(200);
      expect(await metric('chorus_search_running')).toBe(0);
    } finally {
      held.restore();
    }
  });

  it('drops a waiter whose client went away without running it or leaking its slot', async () => {
    const { held, first } = await holdFirst();
    try {
      const gone = request(`${s.url}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      gone.on('error', () => undefined);
      gone.end(JSON.stringify({ collection: C, text: 'gone', limit: 2 }));
      await until(async () => (await metric('chorus_search_waiting')) === 1, 'the client to queue');
      gone.destroy();
      await until(
        async () => (await metric('chorus_search_waiting')) === 0,
        'the queue to drop it',
      );
      held.releaseOne();
      expect((await first).status).toBe(200);
      const next = search('coat');
      await until(() => held.started.length === 2, 'the next search');
      held.releaseOne();
      expect((await next).status).toBe(200);
      expect(held.started).toEqual(['dress', 'coat']);
      expect(await metric('chorus_search_running')).toBe(0);
    } finally {
      held.restore();
    }
  });
});

/** A response as the gate sees it: events, and whether it has ended. */
class FakeResponse extends EventEmitter {
  writableEnded = false;
  destroyed = false;
  headers: Record<string, string> = {};
  set(k: string, v: string) {
    this.headers[k] = v;
    return this;
  }
  end() {
    this.writableEnded = true;
    this.emit('finish');
    this.emit('close');
  }
}

describe('admission gate', () => {
  function enter(gate: ReturnType<typeof admissionGate>) {
    const res = new FakeResponse();
    const seen: { ran: boolean; err?: unknown } = { ran: false };
    gate.middleware(
      {} as Request,
      res as unknown as Response,
      ((err?: unknown) => {
        if (err) seen.err = err;
        else seen.ran = true;
      }) as NextFunction,
    );
    return { res, seen };
  }

  it('a waiter answered while queued (a 504) never runs, and the slot goes to the next one', () => {
    const waits: number[] = [];
    const gate = admissionGate({ concurrency: 1, queue: 2, onAdmit: (ms) => waits.push(ms) });
    const a = enter(gate);
    const b = enter(gate);
    const c = enter(gate);
    expect([a.seen.ran, b.seen.ran, c.seen.ran]).toEqual([true, false, false]);
    b.res.end(); // the request timeout answers it while it waits
    expect(gate.stats()).toMatchObject({ running: 1, waiting: 1 });
    a.res.end();
    expect([b.seen.ran, c.seen.ran]).toEqual([false, true]);
    c.res.end();
    expect(gate.stats()).toEqual({ running: 0, waiting: 0, queued: 2, rejected: 0 });
    expect(waits).toHaveLength(2);
  });

  it('turns the request past the queue away with OVERLOADED and Retry-After, and 0 admits all', () => {
    const gate = admissionGate({ concurrency: 1, queue: 0 });
    enter(gate);
    const turned = enter(gate);
    expect(turned.seen.ran).toBe(false);
    expect(turned.seen.err).toMatchObject({ code: 'OVERLOADED', status: 503 });
    expect(turned.res.headers['retry-after']).toBe('1');
    turned.res.end();
    expect(gate.stats()).toMatchObject({ running: 1, waiting: 0, rejected: 1 });
    const open = admissionGate({ concurrency: 0, queue: 0 });
    expect([enter(open), enter(open), enter(open)].every((e) => e.seen.ran)).toBe(true);
  });
});

describe('admission settings', () => {
  it('defaults to four per core and takes 0 for no limit', () => {
    expect(parseConfig({}).limits.searchConcurrency).toBe(4 * os.availableParallelism());
    expect(parseConfig({ limits: { searchConcurrency: 0 } }).limits.searchConcurrency).toBe(0);
    expect(() => parseConfig({ limits: { searchConcurrency: -1 } })).toThrow(/searchConcurrency/);
  });

  it('refuses a negative or fractional size', () => {
    expect(() => admissionGate({ concurrency: -1, queue: 1 })).toThrow(/concurrency/);
    expect(() => admissionGate({ concurrency: 1, queue: 0.5 })).toThrow(/queue/);
  });
});
