import type { z } from 'zod';
import { ChorusError } from '../errors.js';

/**
 * The job queue port. Adapters: BullMQ on Redis (`bullmq-queue.ts`, when REDIS_URL is set) and an
 * in-process queue whose state survives restarts through a checkpoint store (`in-process-queue.ts`).
 * Both dedupe by job id, retry with exponential backoff, run jobs with bounded concurrency and keep
 * failed jobs with their reason. The contract suite in test/jobs runs against both.
 */

/** One kind of job: its name, payload schema and processor. One file per job under ./definitions. */
export interface JobDefinition<P = unknown, R = unknown, C = unknown> {
  readonly name: string;
  readonly payload: z.ZodType<P>;
  /**
   * Whether this process's context can run the job (a shared BullMQ queue hands jobs to every process's worker: a
   * `chorus index` worker has no trainer). False: the worker hands the job back for another worker to take. Absent:
   * any process can.
   */
  runsIn?(ctx: C): boolean;
  /**
   * `signal` aborts when an admin cancels the running job (reason CANCELLED_REASON) or the worker shuts down
   * (reason SHUTDOWN_REASON: the job should stop and throw a retryable error, so it runs again after a restart).
   * Jobs that ignore it stop at their next progress report on cancel, and run to the end on shutdown.
   */
  process(
    payload: P,
    ctx: C,
    progress: (fraction: number) => void,
    signal?: AbortSignal,
  ): Promise<R>;
}

export type JobOutcome =
  | { id: string; state: 'completed'; result: unknown }
  | { id: string; state: 'failed'; reason: string; attempts: number };

export interface NewJob {
  name: string;
  payload: unknown;
  /** Deterministic id: adding a known id again is a no-op, so enqueueing is idempotent. */
  jobId: string;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/** One job as a dashboard lists it. */
export interface JobInfo {
  id: string;
  name: string;
  state: 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'cancelled';
  /** 0..1 as the running job last reported it; null when it reports none. */
  progress: number | null;
  attempts: number;
  payload?: unknown;
  /** Why it failed (or who cancelled it). */
  reason?: string;
  result?: unknown;
  /** Epoch ms, where the backend records it. */
  addedAt?: number;
  finishedAt?: number;
}

/** What a cancel did: removed a waiting job, asked a running one to stop, or found it already over / unknown. */
export type CancelResult = 'cancelled' | 'cancelling' | 'finished' | 'unknown';

/** The reason recorded for a job an admin cancelled. */
export const CANCELLED_REASON = 'cancelled by an admin';

/** The abort reason a running job's signal carries when its worker shuts down (not a cancel: it runs again later). */
export const SHUTDOWN_REASON = 'worker shutting down';

export interface JobQueue {
  readonly kind: 'bullmq' | 'in-process';
  readonly name: string;
  /** Adds jobs; ids already waiting, running or completed are left alone, failed ones are retried. */
  addMany(jobs: NewJob[]): Promise<void>;
  /** Starts processing in this process (idempotent). */
  startWorker(opts?: { concurrency?: number }): Promise<void>;
  /** Every final outcome this process observes (after retries are exhausted, for failures). */
  onOutcome(listener: (o: JobOutcome) => void): () => void;
  /** Final outcomes already recorded for these ids (from any process or an earlier run). */
  outcomes(jobIds: string[]): Promise<Map<string, JobOutcome>>;
  counts(): Promise<QueueCounts>;
  /** Whether the queue knows this job id (waiting, running, delayed or finished). */
  has(jobId: string): Promise<boolean>;
  /** One job by id, as `list` shows it; undefined when the queue does not know it. */
  get(jobId: string): Promise<JobInfo | undefined>;
  /** The most recently added jobs first, at most `limit`, with state, progress and failure reason. */
  list(limit?: number): Promise<JobInfo[]>;
  /**
   * Cancels a job: a waiting one at once (recorded as failed with CANCELLED_REASON), a running one through its
   * abort signal or at its next progress report (a job that heeds neither runs to the end); a finished job is left
   * as it is.
   */
  cancel(jobId: string): Promise<CancelResult>;
  /** Forgets these jobs (e.g. once a run is complete). */
  remove(jobIds: string[]): Promise<void>;
  /**
   * Stops taking jobs, aborts running jobs' signals with SHUTDOWN_REASON, and waits for the ones in flight to
   * finish and be recorded.
   */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** Delay before retry number `attempt` (1-based): backoff, 2x backoff, 4x backoff... */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return policy.backoffMs * 2 ** Math.max(0, attempt - 1);
}

/** A processor error that should not be retried (bad payload, programming error in input). */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** Errors a retry cannot fix: PermanentJobError, and ChorusErrors of bad input (4xx: schema, validation, missing). */
export function isPermanentError(e: unknown): boolean {
  return e instanceof PermanentJobError || (e instanceof ChorusError && e.status < 500);
}
