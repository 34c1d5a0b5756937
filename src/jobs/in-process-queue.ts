import type { CheckpointStore } from './checkpoint-store.js';
import {
  backoffDelay,
  CANCELLED_REASON,
  isPermanentError,
  PermanentJobError,
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

/** Finished jobs keep their payload for the dashboard only when it is small (index batches list many files). */
const small = (payload: unknown): unknown =>
  JSON.stringify(payload ?? null).length <= 1024 ? payload : undefined;

/** What the checkpoint keeps per job: the payload until it is done, then its outcome (times are epoch ms). */
type JobRecord = {
  name: string;
  attempts: number;
  addedAt?: number;
  finishedAt?: number;
  payload?: unknown;
} & (
  | { state: 'waiting' }
  | { state: 'completed'; result: unknown }
  | { state: 'failed'; reason: string; cancelled?: boolean }
);

export interface InProcessQueueOptions<C> {
  name: string;
  definitions: JobDefinition<never, unknown, C>[];
  context: () => Promise<C> | C;
  checkpoints: CheckpointStore;
  retry: RetryPolicy;
}

/**
 * The queue used when no Redis is configured: jobs run in this process, and every state change is
 * written to the checkpoint store before it is acted on, so after a crash or Ctrl-C the waiting jobs
 * are picked up again by the next process that opens the queue (nothing lost), and completed ones
 * are not run again (nothing duplicated).
 */
export class InProcessQueue<C> implements JobQueue {
  readonly kind = 'in-process' as const;
  readonly name: string;
  private records = new Map<string, JobRecord>();
  private loaded?: Promise<void>;
  private readonly ready: string[] = [];
  private readonly listeners = new Set<(o: JobOutcome) => void>();
  private readonly defs: Map<string, JobDefinition<never, unknown, C>>;
  private running = 0;
  private concurrency = 0;
  private stopping = false;
  private activeCount = 0;
  private delayed = 0;
  private idle?: () => void;
  private ctx?: Promise<C>;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Progress (0..1) of running jobs, and the running jobs asked to stop. */
  private readonly progress = new Map<string, number>();
  private readonly cancelRequested = new Set<string>();
  /** The abort signal of each running job (cancel and shutdown). */
  private readonly aborts = new Map<string, AbortController>();

  constructor(private readonly opts: InProcessQueueOptions<C>) {
    this.name = opts.name;
    this.defs = new Map(opts.definitions.map((d) => [d.name, d]));
  }

  private async load(): Promise<void> {
    this.loaded ??= (async () => {
      for (const [id, rec] of await this.opts.checkpoints.list(this.name)) {
        const r = rec as JobRecord;
        this.records.set(id, r);
        if (r.state === 'waiting') this.ready.push(id);
      }
    })();
    await this.loaded;
  }

  async addMany(jobs: NewJob[]): Promise<void> {
    await this.load();
    const fresh: [string, JobRecord][] = [];
    const taken = new Set<string>();
    for (const job of jobs) {
      if (!this.defs.has(job.name)) throw new Error(`unknown job ${job.name}`);
      const prev = this.records.get(job.jobId);
      if (prev && prev.state !== 'failed') continue;
      if (taken.has(job.jobId)) continue;
      taken.add(job.jobId);
      fresh.push([
        job.jobId,
        {
          state: 'waiting',
          name: job.name,
          payload: job.payload,
          attempts: 0,
          addedAt: Date.now(),
        },
      ]);
    }
    // Durable first, then runnable: a crash right after addMany still finds the jobs.
    await this.opts.checkpoints.putMany(this.name, fresh);
    for (const [id, rec] of fresh) {
      this.records.set(id, rec);
      this.ready.push(id);
    }
    this.pump();
  }

  async startWorker(opts: { concurrency?: number } = {}): Promise<void> {
    await this.load();
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.stopping = false;
    this.pump();
  }

  onOutcome(listener: (o: JobOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async outcomes(jobIds: string[]): Promise<Map<string, JobOutcome>> {
    await this.load();
    const out = new Map<string, JobOutcome>();
    for (const id of jobIds) {
      const r = this.records.get(id);
      if (r?.state === 'completed') out.set(id, { id, state: 'completed', result: r.result });
      else if (r?.state === 'failed')
        out.set(id, { id, state: 'failed', reason: r.reason, attempts: r.attempts });
    }
    return out;
  }

  async counts(): Promise<QueueCounts> {
    await this.load();
    const c: QueueCounts = {
      waiting: 0,
      active: this.activeCount,
      delayed: this.delayed,
      completed: 0,
      failed: 0,
    };
    for (const r of this.records.values()) {
      if (r.state === 'completed') c.completed++;
      else if (r.state === 'failed') c.failed++;
    }
    c.waiting = this.ready.length;
    return c;
  }

  async has(jobId: string): Promise<boolean> {
    await this.load();
    return this.records.has(jobId);
  }

  async list(limit = 50): Promise<JobInfo[]> {
    await this.load();
    const out: JobInfo[] = [];
    // Records keep insertion order (a re-added failed job moves to the end), so the newest are last.
    for (const [id, r] of [...this.records].reverse()) {
      if (out.length >= limit) break;
      out.push(this.info(id, r));
    }
    return out;
  }

  async get(jobId: string): Promise<JobInfo | undefined> {
    await this.load();
    const r = this.records.get(jobId);
    return r && this.info(jobId, r);
  }

  private info(id: string, r: JobRecord): JobInfo {
    const running = this.progress.has(id);
    const base = {
      id,
      name: r.name,
      attempts: r.attempts,
      payload: r.payload,
      addedAt: r.addedAt,
      finishedAt: r.finishedAt,
    };
    if (r.state === 'waiting')
      return {
        ...base,
        state: running ? 'active' : 'waiting',
        progress: running ? (this.progress.get(id) ?? null) : null,
      };
    if (r.state === 'completed')
      return { ...base, state: 'completed', progress: 1, result: r.result };
    return {
      ...base,
      state: r.cancelled ? 'cancelled' : 'failed',
      progress: null,
      reason: r.reason,
    };
  }

  async cancel(jobId: string): Promise<CancelResult> {
    await this.load();
    const r = this.records.get(jobId);
    if (!r) return 'unknown';
    if (r.state !== 'waiting') return 'finished';
    if (this.progress.has(jobId)) {
      this.cancelRequested.add(jobId);
      this.aborts.get(jobId)?.abort(CANCELLED_REASON);
      return 'cancelling';
    }
    const i = this.ready.indexOf(jobId);
    if (i >= 0) this.ready.splice(i, 1);
    // A job waiting for a retry is in no list but its timer's: the timer finds it finished and drops it.
    await this.finish(jobId, {
      state: 'failed',
      name: r.name,
      reason: CANCELLED_REASON,
      cancelled: true,
      attempts: r.attempts,
      addedAt: r.addedAt,
      payload: small(r.payload),
    });
    return 'cancelled';
  }

  async remove(jobIds: string[]): Promise<void> {
    await this.load();
    const gone = new Set(jobIds);
    for (const id of jobIds) this.records.delete(id);
    for (let i = this.ready.length - 1; i >= 0; i--)
      if (gone.has(this.ready[i]!)) this.ready.splice(i, 1);
    await this.opts.checkpoints.delete(this.name, jobIds);
  }

  async stopWorker(): Promise<void> {
    this.stopping = true;
    for (const a of this.aborts.values()) a.abort(SHUTDOWN_REASON);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.delayed = 0;
    if (this.running === 0) return;
    await new Promise<void>((resolve) => (this.idle = resolve));
  }

  async close(): Promise<void> {
    await this.stopWorker();
    this.listeners.clear();
  }

  private pump(): void {
    while (!this.stopping && this.running < this.concurrency && this.ready.length > 0) {
      const id = this.ready.shift()!;
      const rec = this.records.get(id);
      if (rec?.state !== 'waiting') continue;
      this.running++;
      void this.runJob(id, rec).finally(() => {
        this.running--;
        if (this.running === 0 && this.idle) {
          this.idle();
          this.idle = undefined;
        }
        this.pump();
      });
    }
  }

  private async runJob(id: string, rec: Extract<JobRecord, { state: 'waiting' }>): Promise<void> {
    const def = this.defs.get(rec.name)!;
    this.activeCount++;
    const attempts = rec.attempts + 1;
    try {
      const parsed = def.payload.safeParse(rec.payload);
      if (!parsed.success)
        throw new PermanentJobError(`invalid payload for ${rec.name}: ${parsed.error.message}`);
      this.ctx ??= Promise.resolve(this.opts.context());
      this.progress.set(id, 0);
      const abort = new AbortController();
      this.aborts.set(id, abort);
      const report = (fraction: number) => {
        // Cancellation is cooperative: the job stops at its next progress report.
        if (this.cancelRequested.has(id)) throw new PermanentJobError(CANCELLED_REASON);
        this.progress.set(id, Math.max(0, Math.min(1, fraction)));
      };
      const result = await def.process(parsed.data as never, await this.ctx, report, abort.signal);
      await this.finish(id, {
        state: 'completed',
        name: rec.name,
        result: result ?? null,
        attempts,
        addedAt: rec.addedAt,
        payload: small(rec.payload),
      });
    } catch (e) {
      const reason = (e as Error).message ?? String(e);
      if (this.cancelRequested.has(id)) {
        await this.finish(id, {
          state: 'failed',
          name: rec.name,
          reason: CANCELLED_REASON,
          cancelled: true,
          attempts,
          addedAt: rec.addedAt,
          payload: small(rec.payload),
        });
        return;
      }
      const permanent = isPermanentError(e);
      if (!permanent && attempts < this.opts.retry.attempts) {
        const next: JobRecord = { ...rec, attempts };
        await this.opts.checkpoints.put(this.name, id, next);
        this.records.set(id, next);
        this.retryLater(id, backoffDelay(this.opts.retry, attempts));
      } else {
        await this.finish(id, {
          state: 'failed',
          name: rec.name,
          reason,
          attempts,
          addedAt: rec.addedAt,
          payload: small(rec.payload),
        });
      }
    } finally {
      this.activeCount--;
      this.progress.delete(id);
      this.cancelRequested.delete(id);
      this.aborts.delete(id);
    }
  }

  private retryLater(id: string, delayMs: number): void {
    // Shutting down: the record stays waiting in the checkpoint, so the next process runs it.
    if (this.stopping) return;
    this.delayed++;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.delayed--;
      this.ready.push(id);
      this.pump();
    }, delayMs);
    this.timers.add(t);
  }

  private async finish(id: string, done: JobRecord): Promise<void> {
    const rec: JobRecord = { ...done, finishedAt: Date.now() };
    await this.opts.checkpoints.put(this.name, id, rec);
    this.records.set(id, rec);
    const outcome: JobOutcome =
      rec.state === 'completed'
        ? { id, state: 'completed', result: rec.result }
        : {
            id,
            state: 'failed',
            reason: rec.state === 'failed' ? rec.reason : '',
            attempts: rec.attempts,
          };
    for (const l of this.listeners) l(outcome);
  }
}
