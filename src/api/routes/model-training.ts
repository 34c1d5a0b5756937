import { Router } from 'express';
import { z } from 'zod';
import { ChorusError } from '../../errors.js';
import { TrainModelPayload } from '../../jobs/definitions/train-model.js';
import { TRAINING_JOB_ID, type TrainingJobs } from '../../jobs/training-jobs.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { parseBody, parseParams } from '../validate.js';

/** The training request (its schema lives with the `train-model` job it queues). */
export const TrainBody = TrainModelPayload;

const JobParams = z
  .object({ jobId: z.string().regex(TRAINING_JOB_ID, 'not a training job id') })
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
    finishedAt: z.number().optional(),
    result: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'The registered model (ModelInfo), once succeeded' }),
    promotion: z
      .union([
        z.object({
          promoted: z.literal(true),
          previous: z.string().nullable(),
          forced: z.boolean(),
          comparison: z.unknown(),
        }),
        z.object({
          promoted: z.literal(false),
          code: z.string(),
          message: z.string(),
          comparison: z.unknown().optional(),
        }),
      ])
      .optional()
      .meta({
        description:
          "With promote=true: promoted, or refused by the promotion guard (code PROMOTION_REFUSED, the guard's estimates in comparison) while the model stays registered as a candidate",
      }),
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
      'the fit runs in a worker thread as a `train-model` job on the server job queue (also listed by GET /v1/jobs). Poll GET /v1/models/train/{jobId}; a cancelled or failed job registers no model. ' +
      "promote=true sends the result through the promotion guard: a refusal leaves a succeeded job with `promotion.promoted: false` and the guard's estimates.",
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
  /** The server's training jobs (on its job queue); without them training answers 503. */
  training?: TrainingJobs;
}

/** POST /v1/models/train (202 + job), GET /v1/models/train/:jobId, POST /v1/models/train/:jobId/cancel. */
export function createTrainingRouter(deps: TrainingRouterDeps): Router {
  const router = Router();
  const jobs = (): TrainingJobs => {
    if (!deps.training)
      throw new ChorusError(
        'UNAVAILABLE',
        "training needs the server's job queue (`chorus serve`)",
      );
    return deps.training;
  };
  addRoute(router, deps, trainingRoutes.train, async (req, res) => {
    const job = await jobs().start(parseBody(TrainBody, req));
    res.status(202).json({ jobId: job.jobId, state: 'queued' });
  });
  addRoute(router, deps, trainingRoutes.status, async (req, res) => {
    const { jobId } = parseParams(JobParams, req);
    const job = await jobs().get(jobId);
    if (!job) throw new ChorusError('NOT_FOUND', `no training job ${jobId}`);
    res.json(job);
  });
  addRoute(router, deps, trainingRoutes.cancel, async (req, res) => {
    const { jobId } = parseParams(JobParams, req);
    const job = await jobs().cancel(jobId);
    res.json({ jobId, state: job.state });
  });
  return router;
}
