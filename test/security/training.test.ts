import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../rerankers/random.js';
import type { Json, TestServer } from '../api/harness.js';
import {
  ADMIN,
  bearer,
  expectNoLeak,
  KEYS,
  pathsOf,
  pollUntil,
  READER,
  startKeyedServer,
  WRITER,
} from './support.js';

const C = 'shop';
const EMPTY = 'quiet';
const DIM = 8;
const admin = bearer(ADMIN);

/** Finding 5 of issue 12 (training): a fit answered 504 yet registered a model later, and cheap refusals came after the fit. */
describe('security: training over HTTP is a job with cheap checks first and a cancel that registers nothing', () => {
  let s: TestServer;
  let leaks: string[];
  const job = (id: string) => s.call('GET', `/v1/models/train/${id}`, undefined, admin);
  const settled = (id: string) =>
    pollUntil(
      () => job(id),
      (r) => r.json.state !== 'queued' && r.json.state !== 'running',
      1200,
    );

  beforeAll(async () => {
    // A short request timeout: a fit that ran inside the request would be a 504.
    s = await startKeyedServer({ limits: { requestTimeoutMs: 1500 } });
    leaks = [...KEYS, ...pathsOf(s.dir)];
    const schema = (name: string) => ({
      name,
      vectors: { text: { modality: 'text', dim: DIM }, image: { modality: 'image', dim: DIM } },
    });
    for (const name of [C, EMPTY])
      expect((await s.call('POST', '/v1/collections', schema(name), admin)).status).toBe(201);
    const rng = new Rng(5);
    const v = (axis: number, strength: number) =>
      Array.from({ length: DIM }, (_, i) => rng.normal() * 0.3 + (i === axis ? strength : 0));
    const items = Array.from({ length: 60 }, (_, i) => ({
      id: `p${i}`,
      payload: { relevant: i % 4 === 0 },
      vectors: { text: v(0, 1 + rng.next()), image: v(1, i % 4 === 0 ? 2 : 0.5) },
    }));
    expect(
      (await s.call('POST', '/v1/items', { collection: C, items }, bearer(WRITER))).status,
    ).toBe(200);
    // Served traffic with clicks on relevant items: the server logs the impressions (and their rows) itself.
    for (let session = 0; session < 50; session++) {
      const q = { text: v(0, 1), image: v(1, 1) };
      const r = await s.call(
        'POST',
        '/v1/search',
        { collection: C, vectors: q, limit: 10 },
        bearer(READER),
      );
      const events = r.json.hits
        .map((h: Json, k: number) => ({ h, k }))
        .filter(({ h, k }: Json) => h.payload.relevant && rng.next() < 0.9 - k * 0.07)
        .map(({ h, k }: Json) => ({
          type: 'click',
          eventId: `c${session}-${k}`,
          collection: C,
          queryId: r.json.queryId,
          itemId: h.id,
        }));
      if (events.length)
        expect((await s.call('POST', '/v1/feedback', { events }, bearer(WRITER))).status).toBe(200);
    }
  });
  afterAll(async () => {
    await s?.close();
  });

  it('finding 5: cheap checks answer before any fit — unknown collection 404, existing version 409, bad params 400, read key 403', async () => {
    s.chorus.db.models.register({ collection: C, version: 'taken', metrics: {}, featureSpec: {} });
    const before = s.chorus.db.models.list();
    const cases: [unknown, number, Record<string, string>][] = [
      [{ collection: 'no-such-collection' }, 404, admin],
      [{ collection: C, version: 'taken', search: 'random', trials: 30 }, 409, admin],
      [{ collection: C, epochs: 0 }, 400, admin],
      [{ collection: C, from: 10, to: 5 }, 400, admin],
      [{ collection: C, unknown: true }, 400, admin],
      [{ collection: C }, 403, bearer(READER)],
    ];
    for (const [body, status, headers] of cases) {
      const t0 = Date.now();
      const r = await s.call('POST', '/v1/models/train', body, headers);
      expect(r.status, JSON.stringify(body)).toBe(status);
      // Far below a fit (seconds to minutes); generous for a loaded CI machine.
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(r.json).not.toHaveProperty('jobId');
      expectNoLeak(r.text, leaks);
    }
    // The admin UI's training route makes the same prompt 404.
    expect(
      (await s.call('POST', '/admin/api/models/no-such-collection/train', undefined, admin)).status,
    ).toBe(404);
    expect((await job('train-abc-0123abcd')).status).toBe(404);
    expect(
      (await s.call('POST', '/v1/models/train/train-abc-0123abcd/cancel', undefined, admin)).status,
    ).toBe(404);
    expect(s.chorus.db.models.list()).toEqual(before);
    s.chorus.db.raw.prepare("DELETE FROM models WHERE version = 'taken'").run();
  });

  it('finding 5: a 30-trial search answers 202 at once (no 504); cancelled while fitting, it registers nothing, ever', async () => {
    const t0 = Date.now();
    const started = await s.call(
      'POST',
      '/v1/models/train',
      { collection: C, search: 'random', trials: 30, epochs: 200 },
      admin,
    );
    expect(started.status).toBe(202);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(started.json).toEqual({ jobId: expect.stringMatching(/^train-/), state: 'queued' });
    // One training per collection at a time.
    const busy = await s.call('POST', '/v1/models/train', { collection: C }, admin);
    expect(busy.status).toBe(409);
    expect(busy.json.error.details.jobId).toBe(started.json.jobId);
    const running = await pollUntil(
      () => job(started.json.jobId),
      (r) => r.json.state !== 'queued',
    );
    expect(running.json).toMatchObject({
      state: 'running',
      collection: C,
      progress: { phase: 'fitting' },
    });
    const cancelled = await s.call(
      'POST',
      `/v1/models/train/${started.json.jobId}/cancel`,
      undefined,
      admin,
    );
    expect(cancelled.json).toEqual({ jobId: started.json.jobId, state: 'cancelled' });
    // Well past when a fit would have finished had it kept running: still nothing registered, no artifacts.
    await new Promise((r) => setTimeout(r, 3000));
    const after = await job(started.json.jobId);
    expect(after.json).toMatchObject({ state: 'cancelled', progress: { phase: 'done', done: 0 } });
    expect(after.json).not.toHaveProperty('result');
    expect(s.chorus.db.models.list(C)).toEqual([]);
    expect(existsSync(path.join(s.dir, 'models', C))).toBe(false);
    expectNoLeak(started.text + running.text + after.text, leaks);
  });

  it('a failed job registers nothing and says why; a finished job registers exactly one candidate with no server path', async () => {
    const failing = await s.call('POST', '/v1/models/train', { collection: EMPTY }, admin);
    expect(failing.status).toBe(202);
    const failed = await settled(failing.json.jobId);
    expect(failed.json.state).toBe('failed');
    expect(failed.json.error.code).toBeTruthy();
    expect(s.chorus.db.models.list(EMPTY)).toEqual([]);

    const ok = await s.call(
      'POST',
      '/v1/models/train',
      { collection: C, version: 'guarded', epochs: 5, hidden: 4 },
      admin,
    );
    expect(ok.status).toBe(202);
    const done = await settled(ok.json.jobId);
    expect(done.json.state, done.text).toBe('succeeded');
    expect(done.json.result).toMatchObject({
      collection: C,
      version: 'guarded',
      status: 'candidate',
    });
    expect(done.json.result).not.toHaveProperty('artifactPath');
    expect(s.chorus.db.models.list(C).map((m) => m.version)).toEqual(['guarded']);
    // Cancelling a finished job changes nothing.
    expect(
      (await s.call('POST', `/v1/models/train/${ok.json.jobId}/cancel`, undefined, admin)).json
        .state,
    ).toBe('succeeded');
    expect(s.chorus.db.models.list(C)).toHaveLength(1);
    expectNoLeak(failed.text + done.text, leaks);
  });
});
