import { randomBytes } from 'node:crypto';
import { ChorusError } from '../errors.js';

export type TrainingState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Where one HTTP-started training stands (GET /v1/models/train/:jobId). */
export interface TrainingJobStatus<R> {
  jobId: string;
  collection: string;
  version?: string;
  state: TrainingState;
  progress: { phase: 'queued' | 'fitting' | 'done'; done: number; total: number };
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  result?: R;
  error?: { code: string; message: string };
}

/** Runs one fit; must register nothing once `signal` is aborted. */
export type TrainingRun<R> = (signal: AbortSignal) => Promise<R>;

const ACTIVE: ReadonlySet<TrainingState> = new Set(['queued', 'running']);

/**
 * Training over HTTP as a job: the request answers 202 with a job id after its cheap checks, fits run one at a
 * time in order (each fit is a CPU-heavy worker thread), and a cancel aborts the fit so nothing is registered.
 * Held in memory: a restart forgets finished jobs and stops running ones (their fits never registered anything).
 */
export class TrainingJobs<R> {
  private readonly jobs = new Map<
    string,
    { status: TrainingJobStatus<R>; run: TrainingRun<R>; abort: AbortController }
  >();
  private readonly waiting: string[] = [];
  private running = false;

  constructor(private readonly o: { keepFinished?: number; now?: () => number } = {}) {}

  /** The active (queued or running) job of a collection, if any. */
  activeFor(collection: string): TrainingJobStatus<R> | undefined {
    for (const j of this.jobs.values())
      if (j.status.collection === collection && ACTIVE.has(j.status.state)) return j.status;
    return undefined;
  }

  /** Queues a fit; one active job per collection (409 naming the running one). */
  start(
    collection: string,
    version: string | undefined,
    run: TrainingRun<R>,
  ): TrainingJobStatus<R> {
    const active = this.activeFor(collection);
    if (active)
      throw new ChorusError(
        'CONFLICT',
        `collection ${collection} is already training (job ${active.jobId})`,
        { jobId: active.jobId },
      );
    const jobId = `train-${this.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const status: TrainingJobStatus<R> = {
      jobId,
      collection,
      state: 'queued',
      progress: { phase: 'queued', done: 0, total: 1 },
      createdAt: this.now(),
    };
    if (version) status.version = version;
    this.jobs.set(jobId, { status, run, abort: new AbortController() });
    this.waiting.push(jobId);
    this.forgetOld();
    // Next tick: the 202 goes out before any work starts.
    setImmediate(() => void this.drain());
    return { ...status };
  }

  get(jobId: string): TrainingJobStatus<R> | undefined {
    const j = this.jobs.get(jobId);
    return j && { ...j.status };
  }

  /** Cancels a queued or running job (the fit's worker is terminated); a finished job keeps its state. */
  cancel(jobId: string): TrainingJobStatus<R> {
    const j = this.jobs.get(jobId);
    if (!j) throw new ChorusError('NOT_FOUND', `no training job ${jobId}`);
    if (ACTIVE.has(j.status.state)) {
      j.abort.abort();
      this.finish(j.status, 'cancelled');
      const i = this.waiting.indexOf(jobId);
      if (i >= 0) this.waiting.splice(i, 1);
    }
    return { ...j.status };
  }

  /** Aborts every active job (server shutdown). */
  close(): void {
    for (const id of [...this.jobs.keys()])
      if (ACTIVE.has(this.jobs.get(id)!.status.state)) this.cancel(id);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let id = this.waiting.shift(); id !== undefined; id = this.waiting.shift()) {
        const j = this.jobs.get(id);
        if (!j || j.status.state !== 'queued') continue;
        j.status.state = 'running';
        j.status.startedAt = this.now();
        j.status.progress = { phase: 'fitting', done: 0, total: 1 };
        try {
          const result = await j.run(j.abort.signal);
          if (j.status.state === 'running') {
            j.status.result = result;
            this.finish(j.status, 'succeeded');
          }
        } catch (e) {
          if (j.status.state === 'running') {
            j.status.error =
              e instanceof ChorusError
                ? { code: e.code, message: e.message }
                : { code: 'INTERNAL', message: 'training failed' };
            this.finish(j.status, 'failed');
          }
        }
      }
    } finally {
      this.running = false;
    }
  }

  private finish(s: TrainingJobStatus<R>, state: TrainingState): void {
    s.state = state;
    s.finishedAt = this.now();
    s.progress = { phase: 'done', done: state === 'succeeded' ? 1 : 0, total: 1 };
  }

  private forgetOld(): void {
    const keep = this.o.keepFinished ?? 100;
    const finished = [...this.jobs.values()].filter((j) => !ACTIVE.has(j.status.state));
    for (const j of finished.slice(0, Math.max(0, finished.length - keep)))
      this.jobs.delete(j.status.jobId);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }
}
