import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildChorus, type Chorus } from '../../src/app/build.js';
import { servedExtras } from '../../src/app/extras.js';
import { parseConfig } from '../../src/config.js';
import type { Json } from '../api/harness.js';
import { seedClickLog } from '../support/click-log.js';

const C = 'shop';

/** `chorus serve` over a data dir that outlives it (so a second server can reopen it), on 127.0.0.1:0. */
async function serve(dir: string) {
  const chorus: Chorus = await buildChorus(parseConfig({ dataDir: dir, logLevel: 'silent' }), {
    encoders: 'none',
    indexMaintenance: 'inline',
    extraRouters: servedExtras(() => {}),
  });
  const { url } = await chorus.listen(0, '127.0.0.1');
  const call = async (
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(url + p, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: (text ? JSON.parse(text) : undefined) as Json,
      text,
      headers: res.headers,
    };
  };
  // The admin UI's session (no key configured: loopback clients log in without one); writes carry the CSRF token.
  const login = await call('POST', '/admin/api/login', {});
  const admin = {
    cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]!,
    'x-csrf-token': String(login.json.csrf),
  };
  return { chorus, call, admin };
}
type Served = Awaited<ReturnType<typeof serve>>;

async function until<T>(get: () => Promise<T>, done: (v: T) => boolean, ms = 300_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (done(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const LONG_FIT = { search: 'random', trials: 30, epochs: 200 };

/**
 * Training is one kind of job on the server's one queue: /v1/models/train, POST /v1/jobs, the admin UI's Train and
 * `chorus jobs` see the same jobs; a promotion the guard refuses does not fail the job; an interrupted fit runs
 * again after a restart.
 */
// Fits are CPU-heavy worker threads: generous budgets, since the suite may share the machine with others.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

describe('training jobs on the server job queue', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-training-jobs-'));
  let s: Served;
  const status = (id: string) => s.call('GET', `/v1/models/train/${id}`);
  const settled = (id: string) =>
    until(
      () => status(id),
      (r) => !['queued', 'running'].includes(r.json?.state),
    );

  beforeAll(async () => {
    s = await serve(dir);
    await seedClickLog(s.call, C);
  });
  afterAll(async () => {
    await s?.chorus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a fit started over /v1/models/train is listed by /v1/jobs and the admin Models screen, blocks a second start from any surface, and a cancel through /v1/jobs registers nothing', async () => {
    const started = await s.call('POST', '/v1/models/train', { collection: C, ...LONG_FIT });
    expect(started.status).toBe(202);
    const id: string = started.json.jobId;
    const running = await until(
      () => status(id),
      (r) => r.json.state !== 'queued',
    );
    expect(running.json).toMatchObject({ state: 'running', collection: C });

    const listed = await s.call('GET', '/v1/jobs?limit=10');
    expect(listed.status).toBe(200);
    expect(listed.json.jobs[0]).toMatchObject({
      id,
      name: 'train-model',
      collection: C,
      status: 'active',
      state: 'pending',
    });
    expect(listed.json.jobs[0]).not.toHaveProperty('payload');
    expect(listed.json.counts.active).toBeGreaterThanOrEqual(1);
    const one = await s.call('GET', `/v1/jobs/${id}`);
    expect(one.json).toMatchObject({ id, name: 'train-model', status: 'active' });
    const screen = await s.call('GET', `/admin/api/models/${C}`, undefined, s.admin);
    expect(screen.json.training, screen.text).toMatchObject({ jobId: id, state: 'running' });
    expect(screen.json.canTrain).toBe(true);
    const adminJobs = await s.call('GET', '/admin/api/jobs', undefined, s.admin);
    expect(adminJobs.json.jobs.map((j: Json) => j.id)).toContain(id);

    // One training per collection, whichever surface asks.
    for (const again of [
      () => s.call('POST', '/v1/models/train', { collection: C }),
      () => s.call('POST', '/v1/jobs', { name: 'train-model', payload: { collection: C } }),
      () => s.call('POST', `/admin/api/models/${C}/train`, undefined, s.admin),
    ]) {
      const r = await again();
      expect(r.status).toBe(409);
    }
    const byJobs = await s.call('POST', '/v1/jobs', {
      name: 'train-model',
      payload: { collection: C },
    });
    expect(byJobs.json.error.details.jobId).toBe(id);

    const cancelled = await s.call('POST', `/v1/jobs/${id}/cancel`);
    expect(cancelled.json).toEqual({ id, cancel: 'cancelled', status: 'cancelled' });
    expect((await status(id)).json).toMatchObject({ state: 'cancelled' });
    expect(
      (await s.call('GET', `/admin/api/models/${C}`, undefined, s.admin)).json.training,
    ).toMatchObject({
      jobId: id,
      state: 'cancelled',
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect(s.chorus.db.models.list(C)).toEqual([]);
    expect(existsSync(path.join(dir, 'models', C))).toBe(false);
    expect((await s.call('POST', `/v1/jobs/${id}/cancel`)).json).toMatchObject({
      cancel: 'finished',
      status: 'cancelled',
    });
    expect((await s.call('POST', '/v1/jobs/no-such-job/cancel')).status).toBe(404);
    expect((await s.call('GET', '/v1/jobs/no-such-job')).status).toBe(404);
  });

  it("promote: true that the guard refuses ends as a succeeded job: the model stays a registered candidate and the status carries the guard's estimates", async () => {
    const started = await s.call('POST', '/v1/jobs', {
      name: 'train-model',
      payload: { collection: C, version: 'v-guarded', epochs: 20, hidden: 4, promote: true },
    });
    expect(started.status).toBe(202);
    expect(started.json.name).toBe('train-model');
    const done = await settled(started.json.id);
    expect(done.json.state, done.text).toBe('succeeded');
    expect(done.json.result).toMatchObject({
      collection: C,
      version: 'v-guarded',
      status: 'candidate',
    });
    expect(done.json.promotion).toMatchObject({
      promoted: false,
      code: 'PROMOTION_REFUSED',
      comparison: {
        candidate: { version: 'v-guarded' },
        serving: { ranker: 'rrf', version: null },
      },
    });
    const c = done.json.promotion.comparison;
    expect(c.candidate.low).toBeLessThanOrEqual(c.candidate.estimate);
    expect(c.candidate.estimate).toBeLessThanOrEqual(c.candidate.high);
    expect(typeof c.serving.estimate).toBe('number');
    expect(done.json.promotion.message).toMatch(/not better than the serving/);
    // The same job through /v1/jobs: completed with the model and the refused promotion.
    const asJob = await s.call('GET', `/v1/jobs/${started.json.id}`);
    expect(asJob.json).toMatchObject({
      state: 'completed',
      status: 'completed',
      result: { model: { version: 'v-guarded' }, promotion: { promoted: false } },
    });
    expect(s.chorus.db.models.list(C).map((m) => [m.version, m.status])).toEqual([
      ['v-guarded', 'candidate'],
    ]);
  });

  it('a fit interrupted by a shutdown is not lost: the next server on the data dir runs it to a registered model', async () => {
    const started = await s.call('POST', '/v1/models/train', {
      collection: C,
      version: 'v-restarted',
      search: 'random',
      trials: 8,
      epochs: 100,
    });
    const id: string = started.json.jobId;
    await until(
      () => status(id),
      (r) => r.json.state === 'running',
    );
    await s.chorus.close();
    s = await serve(dir);
    const done = await settled(id);
    expect(done.json.state, done.text).toBe('succeeded');
    expect(done.json.result).toMatchObject({ version: 'v-restarted', status: 'candidate' });
    expect(s.chorus.db.models.list(C).map((m) => m.version)).toContain('v-restarted');
    // Run twice: the first fit was stopped by the shutdown (not recorded as failed), the second finished.
    expect((await s.call('GET', `/v1/jobs/${id}`)).json).toMatchObject({
      status: 'completed',
      attempts: 2,
    });
  });
});
