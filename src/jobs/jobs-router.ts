import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { ExtraRouter } from '../api/app.js';
import { addRoute, type RouteDeps } from '../api/route-deps.js';
import type { RouteSpec } from '../api/route-spec.js';
import { parseBody, parseParams, parseQuery } from '../api/validate.js';
import { ChorusError } from '../errors.js';
import { CfRefreshPayload } from './definitions/cf-refresh.js';
import { LexicalRebuildPayload } from './definitions/lexical-rebuild.js';
import { ReembedPayload } from './definitions/reembed-collection.js';
import { TrainModelPayload } from './definitions/train-model.js';
import type { JobInfo, JobQueue } from './queue.js';
import type { TrainingJobs } from './training-jobs.js';

/** Jobs an API client may start. Index batches are not among them: they read server-side paths. */
export const StartJobBody = z
  .discriminatedUnion('name', [
    z.object({ name: z.literal('reembed-collection'), payload: ReembedPayload }).strict(),
    z.object({ name: z.literal('cf-refresh'), payload: CfRefreshPayload }).strict(),
    z.object({ name: z.literal('lexical-rebuild'), payload: LexicalRebuildPayload }).strict(),
  ])
  .meta({ id: 'StartJob' });

/** What POST /v1/jobs starts: the admin UI's jobs, plus training (the same job POST /v1/models/train queues). */
export const StartAnyJobBody = z
  .discriminatedUnion('name', [
    z.object({ name: z.literal('reembed-collection'), payload: ReembedPayload }).strict(),
    z.object({ name: z.literal('cf-refresh'), payload: CfRefreshPayload }).strict(),
    z.object({ name: z.literal('lexical-rebuild'), payload: LexicalRebuildPayload }).strict(),
    z.object({ name: z.literal('train-model'), payload: TrainModelPayload }).strict(),
  ])
  .meta({ id: 'StartAnyJob' });

const JobIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/) }).strict();
const JobStatus = z.enum(['waiting', 'active', 'delayed', 'completed', 'failed', 'cancelled']);
const JobState = z
  .object({
    id: z.string(),
    /** pending = waiting, delayed (retry) or running; `status` tells them apart. */
    state: z.enum(['pending', 'completed', 'failed']),
    status: JobStatus,
    name: z.string(),
    collection: z.string().optional(),
    progress: z.number().nullable(),
    attempts: z.number(),
    addedAt: z.number().optional(),
    finishedAt: z.number().optional(),
    result: z.unknown().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'JobState' });
const JobSummary = JobState.omit({ result: true }).meta({ id: 'JobSummary' });
const Counts = z.object({
  waiting: z.number(),
  active: z.number(),
  delayed: z.number(),
  completed: z.number(),
  failed: z.number(),
});
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();

export const jobRoutes = {
  start: {
    method: 'post',
    path: '/v1/jobs',
    tag: 'jobs',
    scope: 'admin',
    summary:
      'Start a job: re-embed a collection after a model change, refresh collaborative-filtering vectors, or train the reranker',
    description:
      'train-model takes the body of POST /v1/models/train and makes the same checks (unknown collection 404, version taken or a training already running 409).',
    body: StartAnyJobBody,
    response: z.object({ id: z.string(), name: z.string() }),
    status: 202,
  },
  counts: {
    method: 'get',
    path: '/v1/jobs',
    tag: 'jobs',
    scope: 'admin',
    summary: 'Job queue backend, counts, and the newest jobs (training included)',
    query: ListQuery,
    response: z.object({
      queue: z.enum(['bullmq', 'in-process']),
      counts: Counts,
      jobs: z.array(JobSummary),
    }),
  },
  get: {
    method: 'get',
    path: '/v1/jobs/:id',
    tag: 'jobs',
    scope: 'admin',
    summary:
      'One job: pending (waiting or running, with progress), completed with its result, or failed with the reason',
    params: JobIdParam,
    response: JobState,
  },
  cancel: {
    method: 'post',
    path: '/v1/jobs/:id/cancel',
    tag: 'jobs',
    scope: 'admin',
    summary:
      'Cancel a waiting or running job (a cancelled training registers nothing); a finished job is left as it is',
    params: JobIdParam,
    response: z.object({
      id: z.string(),
      cancel: z.enum(['cancelled', 'cancelling', 'finished']),
      status: JobStatus,
    }),
  },
} satisfies Record<string, RouteSpec>;

const FINAL: ReadonlySet<JobInfo['state']> = new Set(['completed', 'failed', 'cancelled']);

/** A queue job as clients see it: no payload (index batches name server paths), only its collection. */
function present(j: JobInfo, withResult: boolean): z.input<typeof JobState> {
  const collection = (j.payload as { collection?: unknown } | undefined)?.collection;
  return {
    id: j.id,
    state:
      j.state === 'completed'
        ? 'completed'
        : j.state === 'failed' || j.state === 'cancelled'
          ? 'failed'
          : 'pending',
    status: j.state,
    name: j.name,
    ...(typeof collection === 'string' ? { collection } : {}),
    progress: j.progress,
    attempts: j.attempts,
    ...(j.addedAt !== undefined ? { addedAt: j.addedAt } : {}),
    ...(j.finishedAt !== undefined ? { finishedAt: j.finishedAt } : {}),
    ...(withResult && j.result !== undefined ? { result: j.result } : {}),
    ...(j.reason !== undefined ? { reason: j.reason } : {}),
  };
}

/** /v1/jobs over the server's queue; training jobs go through `training` (its checks, one per collection). */
export function createJobsRouter(
  deps: RouteDeps,
  queue: JobQueue,
  training: TrainingJobs,
): ExtraRouter {
  const router = Router();
  addRoute(router, deps, jobRoutes.start, async (req, res) => {
    const body = parseBody(StartAnyJobBody, req);
    if (body.name === 'train-model') {
      const job = await training.start(body.payload);
      return void res.status(202).json({ id: job.jobId, name: body.name });
    }
    await deps.engine.getCollection(body.payload.collection); // unknown collection: 404 now, not a failed job later
    const id = `${body.name}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    await queue.addMany([{ name: body.name, payload: body.payload, jobId: id }]);
    res.status(202).json({ id, name: body.name });
  });
  addRoute(router, deps, jobRoutes.counts, async (req, res) => {
    const { limit } = parseQuery(ListQuery, req);
    const [counts, jobs] = await Promise.all([queue.counts(), queue.list(limit)]);
    res.json({ queue: queue.kind, counts, jobs: jobs.map((j) => present(j, false)) });
  });
  addRoute(router, deps, jobRoutes.get, async (req, res) => {
    const { id } = parseParams(JobIdParam, req);
    const j = await queue.get(id);
    if (!j) throw new ChorusError('NOT_FOUND', `no job ${id}`);
    res.json(present(j, true));
  });
  addRoute(router, deps, jobRoutes.cancel, async (req, res) => {
    const { id } = parseParams(JobIdParam, req);
    const before = await queue.get(id);
    if (!before) throw new ChorusError('NOT_FOUND', `no job ${id}`);
    if (FINAL.has(before.state))
      return void res.json({ id, cancel: 'finished', status: before.state });
    // A training's fit runs in a worker thread: wait (bounded) until it has stopped, as /v1/models/train/:id/cancel does.
    if (await training.get(id)) await training.cancel(id);
    else await queue.cancel(id);
    const status = (await queue.get(id))?.state ?? 'cancelled';
    res.json({ id, cancel: status === 'cancelled' ? 'cancelled' : 'cancelling', status });
  });
  return { router, routes: Object.values(jobRoutes) };
}
