import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  CANCELLED_REASON,
  isPermanentError,
  SHUTDOWN_REASON,
  type CancelResult,
  type JobDefinition,
  type JobInfo,
  type JobOutcome,
  type JobQueue,
  type NewJob,
  type QueueCounts,
  type RetryPolicy,
} from './queue.js';

/** How long a job this process cannot run waits before a worker takes it again. */
const HANDOFF_MS = 500;

export interface BullmqQueueOptions<C> {
  name: string;
  redisUrl: string;
  definitions: JobDefinition<never, unknown, C>[];
  context: () => Promise<C> | C;
  retry: RetryPolicy;
  /** A worker that dies holding a job loses its lock after this long; the job then goes back to waiting. */
  lockMs?: number;
  stalledIntervalMs?: number;
  /** Key prefix in Redis (tests use their own). */
  prefix?: string;
}

const ADD_CHUNK = 500;
const DAY_S = 24 * 3600;

/**
 * The queue on Redis through BullMQ: job ids dedupe adds, retries use BullMQ's exponential backoff,
 * completed jobs are kept a week and failed ones a month (visible in bull-board), and a worker killed
 * mid-job has its job moved back to waiting by BullMQ's stalled-job check once its lock expires.
 */
export class BullmqQueue<C> implements JobQueue {
  readonly kind = 'bullmq' as const;
  readonly name: string;
  readonly queue: Queue;
  private worker?: Worker;
  private readonly listeners = new Set<(o: JobOutcome) => void>();
  private readonly defs: Map<string, JobDefinition<never, unknown, C>>;
  private ctx?: Promise<C>;
  /** Jobs running in this process's worker that an admin asked to stop (cooperative, at the next progress report). */
  private readonly cancelRequested = new Set<string>();
  /** The abort signal of each job running in this process's worker. */
  private readonly aborts = new Map<string, AbortController>();

  constructor(private readonly opts: BullmqQueueOptions<C>) {
    this.name = opts.name;
    this.defs = new Map(opts.definitions.map((d) => [d.name, d]));
    this.queue = new Queue(opts.name, {
      connection: { url: opts.redisUrl },
      prefix: opts.prefix ?? 'chorus',
      defaultJobOptions: {
        attempts: opts.retry.attempts,
        backoff: { type: 'exponential', delay: opts.retry.backoffMs },
        removeOnComplete: { age: 7 * DAY_S },
        removeOnFail: { age: 30 * DAY_S },
      },
    });
  }

  async addMany(jobs: NewJob[]): Promise<void> {
    for (const j of jobs) if (!this.defs.has(j.name)) throw new Error(`unknown job ${j.name}`);
    const wanted = new Set(jobs.map((j) => j.jobId));
    // A job that failed for good in an earlier attempt of this run is retried, not silently kept failed.
    for (const failed of await this.queue.getFailed(0, -1)) {
      if (failed.id && wanted.has(failed.id)) await failed.retry('failed');
    }
    for (let i = 0; i < jobs.length; i += ADD_CHUNK) {
      await this.queue.addBulk(
        jobs
          .slice(i, i + ADD_CHUNK)
          .map((j) => ({ name: j.name, data: j.payload, opts: { jobId: j.jobId } })),
      );
    }
  }

  async startWorker(opts: { concurrency?: number } = {}): Promise<void> {
    if (this.worker) return;
    const lockMs = this.opts.lockMs ?? 30_000;
    this.worker = new Worker(this.name, (job, token) => this.process(job, token), {
      connection: { url: this.opts.redisUrl },
      prefix: this.opts.prefix ?? 'chorus',
      concurrency: Math.max(1, opts.concurrency ?? 1),
      lockDuration: lockMs,
      stalledInterval: this.opts.stalledIntervalMs ?? lockMs,
      maxStalledCount: 3,
    });
    this.worker.on('completed', (job, result) =>
      this.emit({ id: job.id!, state: 'completed', result: result ?? null }),
    );
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      const final =
        err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final)
        this.emit({
          id: job.id!,
          state: 'failed',
          reason: job.failedReason ?? err.message,
          attempts: job.attemptsMade,
        });
    });
    // Errors of the worker's connection are surfaced by the queue calls; keep the process alive.
    this.worker.on('error', () => {});
    await this.worker.waitUntilReady();
  }

  private async process(job: Job, token?: string): Promise<unknown> {
    const def = this.defs.get(job.name);
    if (!def) throw new UnrecoverableError(`unknown job ${job.name}`);
    const parsed = def.payload.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid payload for ${job.name}: ${parsed.error.message}`);
    this.ctx ??= Promise.resolve(this.opts.context());
    if (def.runsIn && !def.runsIn(await this.ctx)) {
      // Not this process's job (a CLI worker handed a training job): back to the queue for another worker, no
      // attempt spent.
      await job.moveToDelayed(Date.now() + HANDOFF_MS, token);
      throw new DelayedError();
    }
    const abort = new AbortController();
    if (job.id) this.aborts.set(job.id, abort);
    try {
      const result = await def.process(
        parsed.data as never,
        await this.ctx,
        (f) => {
          if (job.id && this.cancelRequested.has(job.id))
            throw new UnrecoverableError(CANCELLED_REASON);
          void job.updateProgress(Math.round(f * 100));
        },
        abort.signal,
      );
      return result ?? null;
    } catch (e) {
      if (job.id && this.cancelRequested.has(job.id))
        throw new UnrecoverableError(CANCELLED_REASON);
      if (isPermanentError(e)) throw new UnrecoverableError((e as Error).message);
      throw e;
    } finally {
      if (job.id) {
        this.cancelRequested.delete(job.id);
        this.aborts.delete(job.id);
      }
    }
  }

  onOutcome(listener: (o: JobOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(o: JobOutcome): void {
    for (const l of this.listeners) l(o);
  }

  async outcomes(jobIds: string[]): Promise<Map<string, JobOutcome>> {
    const out = new Map<string, JobOutcome>();
    for (let i = 0; i < jobIds.length; i += 200) {
      const chunk = jobIds.slice(i, i + 200);
      // State first, then the job hash: a final state never changes back, so the hash read after it is complete.
      const states = await Promise.all(chunk.map((id) => this.queue.getJobState(id)));
      const finals = chunk.filter((_, k) => states[k] === 'completed' || states[k] === 'failed');
      const jobs = await Promise.all(finals.map((id) => this.queue.getJob(id)));
      jobs.forEach((job, k) => {
        const id = finals[k]!;
        if (!job) return; // removed meanwhile
        if (states[chunk.indexOf(id)] === 'failed')
          out.set(id, {
            id,
            state: 'failed',
            reason: job.failedReason,
            attempts: job.attemptsMade,
          });
        else out.set(id, { id, state: 'completed', result: job.returnvalue ?? null });
      });
    }
    return out;
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'completed',
      'failed',
      'prioritized',
    );
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  async list(limit = 50): Promise<JobInfo[]> {
    const jobs = await this.queue.getJobs(
      ['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'],
      0,
      Math.max(0, limit - 1),
    );
    const states = await Promise.all(jobs.map((j) => j.getState()));
    // A job that finished after its hash was read: read the hash again (a final state never changes back), else it
    // would show as failed without its reason or completed without its result.
    const read = await Promise.all(
      jobs.map((j, i) =>
        (states[i] === 'completed' || states[i] === 'failed') && j.finishedOn === undefined
          ? this.queue.getJob(j.id!).then((again) => again ?? j)
          : j,
      ),
    );
    return read
      .map((j, i) => jobInfo(j, states[i] ?? 'unknown'))
      .sort((a, b) => (b.addedAt ?? 0) - (a.addedAt ?? 0))
      .slice(0, limit);
  }

  async get(jobId: string): Promise<JobInfo | undefined> {
    // State first, then the job hash (as in outcomes): read the other way round, a job finishing between the two
    // reads showed its final state with a running job's hash (failed without its reason: a flaky server-jobs test).
    const state = await this.queue.getJobState(jobId);
    if (state === 'unknown') return undefined;
    const job = await this.queue.getJob(jobId);
    return job && jobInfo(job, state);
  }

  async cancel(jobId: string): Promise<CancelResult> {
    const job = await this.queue.getJob(jobId);
    if (!job) return 'unknown';
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return 'finished';
    if (state === 'active') {
      // Only this process's worker can be asked; a worker elsewhere finishes the job.
      this.cancelRequested.add(jobId);
      this.aborts.get(jobId)?.abort(CANCELLED_REASON);
      return 'cancelling';
    }
    // Waiting or delayed: removed from the queue (BullMQ cannot fail a job no worker holds).
    await job.remove().catch(() => undefined);
    return 'cancelled';
  }

  async has(jobId: string): Promise<boolean> {
    return (await this.queue.getJob(jobId)) !== undefined;
  }

  async remove(jobIds: string[]): Promise<void> {
    for (const id of jobIds) await this.queue.remove(id).catch(() => 0);
  }

  async stopWorker(): Promise<void> {
    for (const a of this.aborts.values()) a.abort(SHUTDOWN_REASON);
    // close() without force waits for the jobs in flight to finish and be recorded in Redis.
    await this.worker?.close();
    this.worker = undefined;
  }

  async close(): Promise<void> {
    await this.stopWorker();
    await this.queue.close();
    this.listeners.clear();
  }
}

/** A BullMQ job as the port lists it (a job failed with CANCELLED_REASON shows as cancelled). */
function jobInfo(j: Job, raw: string): JobInfo {
  const cancelled = raw === 'failed' && j.failedReason === CANCELLED_REASON;
  const state: JobInfo['state'] = cancelled
    ? 'cancelled'
    : raw === 'active' || raw === 'delayed' || raw === 'completed' || raw === 'failed'
      ? raw
      : 'waiting'; // waiting, prioritized, waiting-children, unknown
  const p = typeof j.progress === 'number' ? j.progress / 100 : null;
  return {
    id: j.id ?? '',
    name: j.name,
    state,
    progress: state === 'completed' ? 1 : state === 'active' ? p : null,
    attempts: j.attemptsMade,
    payload: j.data,
    reason: state === 'failed' || cancelled ? j.failedReason : undefined,
    result: state === 'completed' ? j.returnvalue : undefined,
    addedAt: j.timestamp,
    finishedAt: j.finishedOn,
  };
}
