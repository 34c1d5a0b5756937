import { Router } from 'express';
import { z } from 'zod';
import type { ModelRegistry } from '../../../rerankers/registry.js';
import { CollectionName, ModelVersion } from '../../domain/names.js';
import { ChorusError } from '../../errors.js';
import { TrainingJobs } from '../../jobs/training-jobs.js';
import type { ModelRecord } from '../../storage/index.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { parseBody, parseParams } from '../validate.js';

export const TrainBody = z
  .object({
    collection: CollectionName,
    version: ModelVersion.optional(),
    loss: z.enum(['listwise', 'pairwise']).default('listwise'),
    hidden: z.number().int().min(0).max(512).optional(),
    lr: z.number().positive().max(1).optional(),
    epochs: z.number().int().min(1).max(500).optional(),
    ipsClip: z.number().min(1).max(1000).optional(),
    gateTemperature: z.number().positive().max(100).optional(),
    search: z.enum(['none', 'grid', 'random']).default('none'),
    trials: z.number().int().min(1).max(200).optional(),
    seed: z.number().int().optional(),
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
    promote: z.boolean().default(false),
    notes: z.string().max(1000).optional(),
  })
  .strict()
  .refine((b) => b.from === undefined || b.to === undefined || b.from < b.to, {
    message: 'from must be before to',
    path: ['from'],
  })
  .meta({ id: 'TrainModelRequest' });

const JobParams = z
  .object({ jobId: z.string().regex(/^train-[a-z0-9]+-[0-9a-f]{8}$/, 'not a training job id') })
  .strict();

const TrainingJob = z
  .object({
    jobId: z.string(),
    collection: z.string(),
    version: z.string().optional(),
    state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    progress: z.object({
      phase: z.enum(['queued', 'fitting', 'done']),
      done: z.number(),
      total: z.number(),
    }),
    createdAt: z.number(),
    startedAt: z.number().optional(),
    finishedAt: z.number().optional(),
    result: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'The registered model (ModelInfo), once succeeded' }),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .meta({ id: 'TrainingJob' });

export const trainingRoutes = {
  train: {
    method: 'post',
    path: '/v1/models/train',
    tag: 'models',
    scope: 'admin',
    status: 202,
    summary: 'Start training the fusion reranker on the logged feedback of a collection (a job)',
    description:
      'Answers 202 with a job id after cheap checks (unknown collection 404, existing version or a training already running 409, bad parameters 400); ' +
      'the fit runs in a worker thread. Poll GET /v1/models/train/{jobId}; a cancelled or failed job registers no model. promote=true promotes the result.',
    body: TrainBody,
    response: z.object({ jobId: z.string(), state: z.literal('queued') }),
  },
  status: {
    method: 'get',
    path: '/v1/models/train/:jobId',
    tag: 'models',
    scope: 'admin',
    summary: 'One training job: state, progress, result or error',
    params: JobParams,
    response: TrainingJob,
  },
  cancel: {
    method: 'post',
    path: '/v1/models/train/:jobId/cancel',
    tag: 'models',
    scope: 'admin',
    summary: 'Cancel a queued or running training (nothing is registered)',
    params: JobParams,
    response: z.object({ jobId: z.string(), state: z.string() }),
  },
} satisfies Record<string, RouteSpec>;

export interface TrainingRouterDeps extends RouteDeps {
  registry: ModelRegistry;
  /** How clients see a registered model (no server paths). */
  present: (m: ModelRecord) => Record<string, unknown>;
}

/** POST /v1/models/train (202 + job), GET /v1/models/train/:jobId, POST /v1/models/train/:jobId/cancel. */
export function createTrainingRouter(deps: TrainingRouterDeps): Router {
  const router = Router();
  const jobs = new TrainingJobs<Record<string, unknown>>();
  addRoute(router, deps, trainingRoutes.train, async (req, res) => {
    const { promote, ...opts } = parseBody(TrainBody, req);
    // Cheap checks first, so a doomed request never waits for (or starts) a fit.
    await deps.engine.getCollection(opts.collection);
    if (
      opts.version &&
      deps.registry.list(opts.collection).some((m) => m.version === opts.version)
    ) {
      throw new ChorusError('CONFLICT', `model ${opts.collection}/${opts.version} already exists`);
    }
    const job = jobs.start(opts.collection, opts.version, async (signal) => {
      const record = await deps.registry.trainInBackground(opts, { signal });
      if (promote) await deps.registry.promote(record.collection, record.version);
      return deps.present(deps.registry.get(record.collection, record.version));
    });
    res.status(202).json({ jobId: job.jobId, state: 'queued' });
  });
  addRoute(router, deps, trainingRoutes.status, (req, res) => {
    const { jobId } = parseParams(JobParams, req);
    const job = jobs.get(jobId);
    if (!job) throw new ChorusError('NOT_FOUND', `no training job ${jobId}`);
    res.json(job);
  });
  addRoute(router, deps, trainingRoutes.cancel, (req, res) => {
    const { jobId } = parseParams(JobParams, req);
    const job = jobs.cancel(jobId);
    res.json({ jobId, state: job.state });
  });
  return router;
}
