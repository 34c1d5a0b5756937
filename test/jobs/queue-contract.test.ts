import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BullmqQueue } from '../../src/jobs/bullmq-queue.js';
import { FileCheckpointStore } from '../../src/jobs/file-checkpoint-store.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { SqliteCheckpointStore } from '../../src/jobs/sqlite-checkpoint-store.js';
import { openChorusDb, type ChorusDb } from '../../src/storage/index.js';
import {
  CANCELLED_REASON,
  PermanentJobError,
  SHUTDOWN_REASON,
  type JobDefinition,
  type JobOutcome,
  type JobQueue,
} from '../../src/jobs/queue.js';
import { waitForJobs } from '../../src/jobs/wait-for-jobs.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis.js';

/** Test jobs: their context counts runs per job id and the peak number of jobs running at once. */
interface Ctx {
  runs: Map<string, number>;
  running: number;
  peak: number;
  /** Abort reasons `heed` jobs saw. */
  aborted: string[];
}
const Payload = z.object({
  key: z.string(),
  failTimes: z.number().int().default(0),
  sleepMs: z.number().default(0),
  steps: z.number().int().default(0),
});
const work: JobDefinition<z.infer<typeof Payload>, unknown, Ctx> = {
  name: 'work',
  payload: Payload,
  async process(p, ctx, progress) {
    const n = (ctx.runs.get(p.key) ?? 0) + 1;
    ctx.runs.set(p.key, n);
    ctx.running++;
    ctx.peak = Math.max(ctx.peak, ctx.running);
    try {
      await new Promise((r) => setTimeout(r, p.sleepMs));
      for (let i = 0; i < p.steps; i++) {
        await new Promise((r) => setTimeout(r, p.sleepMs));
        progress((i + 1) / p.steps);
      }
      if (n <= p.failTimes) throw new Error(`planned failure ${n} of ${p.key}`);
      if (p.key.startsWith('permanent')) throw new PermanentJobError('never works');
      return { key: p.key, run: n };
    } finally {
      ctx.running--;
    }
  },
};
/** Reports no progress: it stops only through its abort signal (the second run completes at once). */
const heed: JobDefinition<{ key: string }, unknown, Ctx> = {
  name: 'heed',
  payload: z.object({ key: z.string() }),
  async process(p, ctx, _progress, signal) {
    const n = (ctx.runs.get(p.key) ?? 0) + 1;
    ctx.runs.set(p.key, n);
    if (n > 1) return { key: p.key, run: n };
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 30_000);
      signal?.addEventListener('abort', () => (clearTimeout(t), resolve()));
    });
    ctx.aborted.push(String(signal?.reason));
    throw new Error(`stopped: ${String(signal?.reason)}`);
  },
};
const defs = [work, heed] as unknown as JobDefinition<never, unknown, Ctx>[];
const retry = { attempts: 3, backoffMs: 50 };

type Factory = { make(ctx: Ctx, name: string): JobQueue; cleanup(): Promise<void> };

function inProcess(): Factory {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-queue-'));
  return {
    // A fresh store object per queue, over the same file: like a restarted process.
    make: (ctx, name) =>
      new InProcessQueue<Ctx>({
        name,
        definitions: defs,
        context: () => ctx,
        retry,
        checkpoints: new FileCheckpointStore(path.join(dir, 'cp.jsonl')),
      }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function inProcessSqlite(): Factory {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-queue-db-'));
  const dbs: ChorusDb[] = [];
  return {
    make: (ctx, name) => {
      const db = openChorusDb(dir);
      dbs.push(db);
      return new InProcessQueue<Ctx>({
        name,
        definitions: defs,
        context: () => ctx,
        retry,
        checkpoints: new SqliteCheckpointStore(db),
      });
    },
    cleanup: async () => {
      for (const db of dbs) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let redis: RedisServer | undefined;
const hasRedis = redisAvailable('BullMQ queue contract');
function bullmq(): Factory {
  return {
    make: (ctx, name) =>
      new BullmqQueue<Ctx>({
        name,
        redisUrl: redis!.url,
        definitions: defs,
        context: () => ctx,
        retry,
        lockMs: 5000,
        stalledIntervalMs: 1000,
      }),
    cleanup: async () => {},
  };
}

beforeAll(async () => {
  if (hasRedis) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const adapters: [string, () => Factory, boolean][] = [
  ['in-process (JSONL checkpoint)', inProcess, true],
  ['in-process (SQLite checkpoint)', inProcessSqlite, true],
  ['bullmq', bullmq, hasRedis],
];

describe.each(adapters)('JobQueue contract: %s', (_label, factory, enabled) => {
  let n = 0;
  const fresh = () => ({
    f: factory(),
    ctx: { runs: new Map<string, number>(), running: 0, peak: 0, aborted: [] as string[] },
    name: `q${Date.now()}x${n++}`,
  });

  it.runIf(enabled)('runs each job id once, keeps results, ignores duplicate adds', async () => {
    const { f, ctx, name } = fresh();
    const q = f.make(ctx, name);
    const jobs = ['a', 'b', 'c'].map((k) => ({
      name: 'work',
      jobId: `job-${k}`,
      payload: { key: k },
    }));
    await q.addMany(jobs);
    await q.addMany(jobs);
    await q.startWorker({ concurrency: 2 });
    const out = await waitForJobs(
      q,
      jobs.map((j) => j.jobId),
      { pollMs: 200 },
    );
    expect([...out.values()].map((o) => o.state)).toEqual(['completed', 'completed', 'completed']);
    expect((out.get('job-b') as Extract<JobOutcome, { state: 'completed' }>).result).toEqual({
      key: 'b',
      run: 1,
    });
    await q.addMany(jobs); // completed ids are not run again
    await new Promise((r) => setTimeout(r, 300));
    expect([...ctx.runs.values()]).toEqual([1, 1, 1]);
    expect((await q.counts()).completed).toBe(3);
    await q.close();
    await f.cleanup();
  });

  it.runIf(enabled)(
    'retries with backoff, then keeps the failure with its reason; a re-add retries a failed job',
    async () => {
      const { f, ctx, name } = fresh();
      const q = f.make(ctx, name);
      const jobs = [
        { name: 'work', jobId: 'flaky', payload: { key: 'flaky', failTimes: 2 } },
        { name: 'work', jobId: 'broken', payload: { key: 'broken', failTimes: 99 } },
        { name: 'work', jobId: 'perm', payload: { key: 'permanent' } },
      ];
      await q.addMany(jobs);
      await q.startWorker({ concurrency: 1 });
      const t0 = Date.now();
      const out = await waitForJobs(
        q,
        jobs.map((j) => j.jobId),
        { pollMs: 200 },
      );
      expect(out.get('flaky')).toMatchObject({ state: 'completed', result: { run: 3 } });
      expect(out.get('broken')).toMatchObject({
        state: 'failed',
        reason: 'planned failure 3 of broken',
        attempts: 3,
      });
      expect(out.get('perm')).toMatchObject({ state: 'failed', reason: 'never works' });
      expect(ctx.runs.get('permanent')).toBe(1); // permanent errors are not retried
      expect(Date.now() - t0).toBeGreaterThanOrEqual(50 + 100); // two backoffs: 50 ms then 100 ms
      expect((await q.counts()).failed).toBe(2);
      await q.addMany([jobs[1]!]);
      const again = await waitForJobs(q, ['broken'], { pollMs: 200 });
      expect(again.get('broken')).toMatchObject({ state: 'failed' });
      expect(ctx.runs.get('broken')).toBeGreaterThanOrEqual(4);
      await q.close();
      await f.cleanup();
    },
  );

  it.runIf(enabled)(
    'lists jobs with progress, cancels a waiting one at once and a running one at its next progress report',
    async () => {
      const { f, ctx, name } = fresh();
      const q = f.make(ctx, name);
      await q.addMany([
        { name: 'work', jobId: 'long', payload: { key: 'long', steps: 40, sleepMs: 40 } },
        { name: 'work', jobId: 'queued', payload: { key: 'queued' } },
      ]);
      await q.startWorker({ concurrency: 1 });
      const long = async () => (await q.list(10)).find((j) => j.id === 'long');
      await expect
        .poll(async () => (await long())?.progress ?? 0, { timeout: 10_000 })
        .toBeGreaterThan(0);
      expect(await long()).toMatchObject({ name: 'work', state: 'active' });
      expect((await q.list(10)).find((j) => j.id === 'queued')?.state).toBe('waiting');

      expect(await q.cancel('queued')).toBe('cancelled');
      expect(await q.cancel('long')).toBe('cancelling');
      const out = await waitForJobs(q, ['long'], { pollMs: 100 });
      expect(out.get('long')).toMatchObject({ state: 'failed', reason: CANCELLED_REASON });
      expect((await long())?.state).toBe('cancelled');
      expect(ctx.runs.get('long')).toBe(1); // cancelled, not retried
      expect((ctx.runs.get('long') ?? 0) + (ctx.runs.get('queued') ?? 0)).toBe(1); // the waiting job never ran
      expect(await q.cancel('long')).toBe('finished');
      expect(await q.cancel('no-such-job')).toBe('unknown');
      await q.close();
      await f.cleanup();
    },
  );

  it.runIf(enabled)(
    'gets one job by id; a running job is stopped through its abort signal on cancel, and on shutdown it runs again in the next queue',
    async () => {
      const { f, ctx, name } = fresh();
      const q = f.make(ctx, name);
      expect(await q.get('nothing-here')).toBeUndefined();
      await q.addMany([{ name: 'heed', jobId: 'c1', payload: { key: 'c1' } }]);
      expect(await q.get('c1')).toMatchObject({ id: 'c1', name: 'heed', payload: { key: 'c1' } });
      await q.startWorker({ concurrency: 1 });
      await expect.poll(async () => (await q.get('c1'))?.state, { timeout: 10_000 }).toBe('active');
      // No progress report ever comes: only the signal can stop it.
      expect(await q.cancel('c1')).toBe('cancelling');
      await expect
        .poll(async () => (await q.get('c1'))?.state, { timeout: 10_000 })
        .toBe('cancelled');
      expect(ctx.aborted).toEqual([CANCELLED_REASON]);
      expect(ctx.runs.get('c1')).toBe(1); // not retried

      await q.addMany([{ name: 'heed', jobId: 's1', payload: { key: 's1' } }]);
      await expect.poll(async () => (await q.get('s1'))?.state, { timeout: 10_000 }).toBe('active');
      await q.stopWorker();
      expect(ctx.aborted).toEqual([CANCELLED_REASON, SHUTDOWN_REASON]);
      expect((await q.get('s1'))?.state).not.toMatch(/failed|cancelled|completed/);
      await q.close();
      const q2 = f.make(ctx, name);
      await q2.startWorker({ concurrency: 1 });
      const out = await waitForJobs(q2, ['s1'], { pollMs: 100 });
      expect(out.get('s1')).toMatchObject({ state: 'completed', result: { key: 's1', run: 2 } });
      expect((await q2.get('s1'))?.state).toBe('completed');
      await q2.close();
      await f.cleanup();
    },
  );

  it.runIf(enabled)(
    'bounds concurrency and, stopped gracefully, finishes in-flight jobs; a new queue resumes the rest',
    async () => {
      const { f, ctx, name } = fresh();
      const q = f.make(ctx, name);
      const jobs = Array.from({ length: 8 }, (_, i) => ({
        name: 'work',
        jobId: `s${i}`,
        payload: { key: `s${i}`, sleepMs: 150 },
      }));
      await q.addMany(jobs);
      const finished: string[] = [];
      q.onOutcome((o) => finished.push(o.id));
      await q.startWorker({ concurrency: 2 });
      // Stop once two jobs are in flight (a fixed 200 ms sleep raced the worker's first fetch on a loaded box).
      for (let i = 0; i < 3000 && ctx.running < 2; i++) await new Promise((r) => setTimeout(r, 5));
      expect(ctx.running).toBe(2);
      await q.stopWorker();
      const afterStop = [...finished];
      expect(afterStop.length).toBeGreaterThanOrEqual(2);
      expect(afterStop.length).toBeLessThan(8);
      expect(ctx.peak).toBe(2);
      expect(ctx.running).toBe(0); // nothing was left half-run
      await q.close();

      const q2 = f.make(ctx, name);
      await q2.addMany(jobs);
      await q2.startWorker({ concurrency: 2 });
      const out = await waitForJobs(
        q2,
        jobs.map((j) => j.jobId),
        { pollMs: 200 },
      );
      expect([...out.values()].every((o) => o.state === 'completed')).toBe(true);
      expect([...ctx.runs.values()].every((v) => v === 1)).toBe(true); // none ran twice
      expect(ctx.runs.size).toBe(8);
      await q2.close();
      await f.cleanup();
    },
  );
});

describe.runIf(hasRedis)('BullMQ job reads', () => {
  it('a job that finishes while it is read never shows a final state without its outcome', async () => {
    const ctx = { runs: new Map<string, number>(), running: 0, peak: 0, aborted: [] as string[] };
    const q = bullmq().make(ctx, `reads${Date.now()}`) as BullmqQueue<Ctx>;
    const finished = new Promise<void>((resolve) => q.onOutcome(() => resolve()));
    await q.addMany([
      { name: 'work', jobId: 'slow-fail', payload: { key: 'permanent-slow', sleepMs: 300 } },
    ]);
    await q.startWorker();
    // Until it runs (up to 30 s on a loaded box; it fails 300 ms after it starts, so a slow poll may see that).
    for (let i = 0; i < 1500; i++) {
      const state = (await q.get('slow-fail'))?.state;
      if (state === 'active' || state === 'failed') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // Each read of a job's hash returns only once the job has failed: the reads around it see the change.
    const getJob = q.queue.getJob.bind(q.queue);
    const getJobs = q.queue.getJobs.bind(q.queue);
    q.queue.getJob = async (id) => {
      const job = await getJob(id);
      await finished;
      return job;
    };
    q.queue.getJobs = async (...a) => {
      const jobs = await getJobs(...a);
      await finished;
      return jobs;
    };
    const one = await q.get('slow-fail');
    const listed = (await q.list()).find((j) => j.id === 'slow-fail');
    q.queue.getJob = getJob;
    q.queue.getJobs = getJobs;
    for (const info of [one, listed]) {
      expect(['active', 'failed']).toContain(info?.state);
      if (info?.state === 'failed') expect(info.reason).toBe('never works');
    }
    expect(await q.get('slow-fail')).toMatchObject({ state: 'failed', reason: 'never works' });
    await q.close();
  });
});
