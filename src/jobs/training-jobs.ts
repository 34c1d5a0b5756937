import { randomBytes } from 'node:crypto';
import { ChorusError } from '../errors.js';
import type {
  ModelTrainer,
  PromotionOutcome,
  TrainModelPayload,
  TrainModelResult,
} from './definitions/train-model.js';
import type { JobInfo, JobQueue } from './queue.js';

export type TrainingState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Where one training job stands (GET /v1/models/train/:jobId, the admin UI's Models screen). */
export interface TrainingJobStatus {
  jobId: string;
  collection: string;
  version?: string;
  state: TrainingState;
  progress: { phase: 'queued' | 'fitting' | 'done'; done: number; total: number };
  createdAt: number;
  finishedAt?: number;
  /** The registered model (ModelInfo, no server paths), once succeeded. */
  result?: Record<string, unknown>;
  /** With `promote: true`: promoted, or refused by the guard (with its estimates) while the model stays registered. */
  promotion?: PromotionOutcome;
  error?: { code: string; message: string };
}

export const TRAINING_JOB_NAME = 'train-model';
export const TRAINING_JOB_ID = /^train-[a-z0-9]+-[0-9a-f]{8}$/;

/** What the server provides once it holds a model registry: the cheap checks and the fit itself. */
export interface TrainingProvider {
  /** Refusals before anything is queued: unknown collection 404, version taken 409, bad names 400. */
  check(req: TrainModelPayload): Promise<void>;
  run: ModelTrainer;
}

const ACTIVE: ReadonlySet<JobInfo['state']> = new Set(['waiting', 'active', 'delayed']);
const STATE: Record<JobInfo['state'], TrainingState> = {
  waiting: 'queued',
  delayed: 'queued',
  active: 'running',
  completed: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * Training as jobs on the server's one job queue (`train-model`), so /v1/models/train, POST /v1/jobs, the admin
 * UI and `chorus jobs` see the same jobs, and a queued or interrupted fit survives a restart (in-process queue:
 * SQLite checkpoint; BullMQ: Redis). One active training per collection; fits run one at a time
 * (`serialFits`). A cancel aborts the fit's worker thread, so a cancelled job registers nothing.
 */
export class TrainingJobs {
  private provider?: TrainingProvider;
  private starting: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly queue: Pick<JobQueue, 'addMany' | 'get' | 'list' | 'cancel'>,
    private readonly o: { now?: () => number; scan?: number } = {},
  ) {}

  /** Set by the process that holds the model registry; without one, training answers 503. */
  provide(p: TrainingProvider): void {
    this.provider = p;
  }

  /** The fit a `train-model` job runs in this process (JobContext.trainer). */
  readonly trainer: ModelTrainer = (req, opts) => {
    if (!this.provider)
      throw new ChorusError('UNAVAILABLE', 'training needs the model registry (`chorus serve`)');
    return this.provider.run(req, opts);
  };

  get available(): boolean {
    return this.provider !== undefined;
  }

  /** Checks, then queues a fit; a collection already training is a 409 naming its job. */
  start(req: TrainModelPayload): Promise<TrainingJobStatus> {
    // Serialised, so two concurrent starts for one collection cannot both pass the "already training" check.
    const next = this.starting.then(() => this.startNow(req));
    this.starting = next.catch(() => undefined);
    return next;
  }

  private async startNow(req: TrainModelPayload): Promise<TrainingJobStatus> {
    if (!this.provider)
      throw new ChorusError(
        'UNAVAILABLE',
        'training needs the model registry (start with `chorus serve`)',
      );
    await this.provider.check(req);
    const active = (await this.recent()).find(
      (j) => ACTIVE.has(j.state) && collectionOf(j) === req.collection,
    );
    if (active)
      throw new ChorusError(
        'CONFLICT',
        `collection ${req.collection} is already training (job ${active.id})`,
        { jobId: active.id },
      );
    const jobId = `train-${this.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    await this.queue.addMany([{ name: TRAINING_JOB_NAME, payload: req, jobId }]);
    const info = await this.queue.get(jobId);
    return info ? trainingStatus(info) : queuedStatus(jobId, req, this.now());
  }

  async get(jobId: string): Promise<TrainingJobStatus | undefined> {
    if (!TRAINING_JOB_ID.test(jobId)) return undefined;
    const info = await this.queue.get(jobId);
    return info?.name === TRAINING_JOB_NAME ? trainingStatus(info) : undefined;
  }

  /** Cancels a queued or running training and waits (bounded) for a running fit to stop; finished jobs keep their state. */
  async cancel(jobId: string, waitMs = 15_000): Promise<TrainingJobStatus> {
    const before = await this.get(jobId);
    if (!before) throw new ChorusError('NOT_FOUND', `no training job ${jobId}`);
    const r = await this.queue.cancel(jobId);
    // BullMQ removes a cancelled waiting job: it is then gone, and cancelled.
    const gone: TrainingJobStatus = {
      ...before,
      state: 'cancelled',
      progress: { phase: 'done', done: 0, total: 1 },
    };
    const deadline = Date.now() + waitMs;
    let status = (await this.get(jobId)) ?? gone;
    while (r === 'cancelling' && status.state === 'running' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50));
      status = (await this.get(jobId)) ?? gone;
    }
    return status;
  }

  /** The newest training job of a collection (what the admin UI shows), or null. */
  async latestFor(collection: string): Promise<TrainingJobStatus | null> {
    const j = (await this.recent()).find((x) => collectionOf(x) === collection);
    return j ? trainingStatus(j) : null;
  }

  private async recent(): Promise<JobInfo[]> {
    const jobs = await this.queue.list(this.o.scan ?? 500);
    return jobs.filter((j) => j.name === TRAINING_JOB_NAME);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }
}

function collectionOf(j: JobInfo): string | undefined {
  const p = j.payload as { collection?: unknown } | undefined;
  return typeof p?.collection === 'string' ? p.collection : undefined;
}

/** A queue job as a training status: `reason` carries "CODE: message" (see trainingFailure). */
export function trainingStatus(j: JobInfo): TrainingJobStatus {
  const p = (j.payload ?? {}) as { collection?: string; version?: string };
  const state = STATE[j.state];
  const s: TrainingJobStatus = {
    jobId: j.id,
    collection: p.collection ?? '',
    state,
    progress:
      state === 'queued'
        ? { phase: 'queued', done: 0, total: 1 }
        : state === 'running'
          ? { phase: 'fitting', done: 0, total: 1 }
          : { phase: 'done', done: state === 'succeeded' ? 1 : 0, total: 1 },
    createdAt: j.addedAt ?? 0,
  };
  if (j.finishedAt !== undefined && state !== 'queued' && state !== 'running')
    s.finishedAt = j.finishedAt;
  const result = j.result as TrainModelResult | undefined;
  const version = p.version ?? result?.model?.version;
  if (version) s.version = version;
  if (state === 'succeeded' && result?.model) {
    s.result = result.model;
    if (result.promotion) s.promotion = result.promotion;
  }
  if (state === 'failed') {
    const m = /^([A-Z_]+): (.*)$/s.exec(j.reason ?? '');
    s.error = m
      ? { code: m[1]!, message: m[2]! }
      : { code: 'INTERNAL', message: j.reason ?? 'training failed' };
  }
  return s;
}

function queuedStatus(jobId: string, req: TrainModelPayload, now: number): TrainingJobStatus {
  return {
    jobId,
    collection: req.collection,
    ...(req.version ? { version: req.version } : {}),
    state: 'queued',
    progress: { phase: 'queued', done: 0, total: 1 },
    createdAt: now,
  };
}

/** The model registry as training needs it (src/model-registry/registry.ts ModelRegistry fits it). */
export interface TrainingRegistry<M> {
  trainInBackground(
    req: Omit<TrainModelPayload, 'promote'>,
    opts: { signal?: AbortSignal },
  ): Promise<{ collection: string; version: string }>;
  promote(
    collection: string,
    version: string,
  ): Promise<{ previous: string | null; forced: boolean; comparison: unknown }>;
  get(collection: string, version: string): M;
}

/**
 * The fit a training job runs: one at a time per registry (each is a CPU-heavy worker thread), then, with
 * `promote: true`, the promotion guard as the last step. A refusal leaves a succeeded job whose model is
 * registered but not served, with the guard's estimates, instead of failing a job that did register a model.
 */
export function registryTrainer<M>(
  registry: TrainingRegistry<M>,
  present: (m: M) => Record<string, unknown> & { version: string },
): ModelTrainer {
  let fits: Promise<unknown> = Promise.resolve();
  return async ({ promote, ...req }, { signal }) => {
    const mine = fits.then(() => {
      if (signal.aborted) throw new ChorusError('CONFLICT', 'training was cancelled');
      return registry.trainInBackground(req, { signal });
    });
    fits = mine.catch(() => undefined);
    const record = await mine;
    const model = () => present(registry.get(record.collection, record.version));
    if (!promote) return { model: model() };
    let promotion: PromotionOutcome;
    try {
      promotion = {
        promoted: true,
        ...(await registry.promote(record.collection, record.version)),
      };
    } catch (e) {
      if (!(e instanceof ChorusError)) throw e;
      promotion = {
        promoted: false,
        code: e.code,
        message: e.message,
        ...(e.details !== undefined ? { comparison: e.details } : {}),
      };
    }
    return { model: model(), promotion };
  };
}
