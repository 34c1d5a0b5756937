import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { ExtraRouter } from '../api/app.js';
import { addRoute, type RouteDeps } from '../api/route-deps.js';
import type { RouteSpec } from '../api/route-spec.js';
import { parseBody, parseParams } from '../api/validate.js';
import { ChorusError } from '../errors.js';
import { CfRefreshPayload } from './definitions/cf-refresh.js';
import { ReembedPayload } from './definitions/reembed-collection.js';
import type { JobQueue } from './queue.js';

/** Jobs an API client may start. Index batches are not among them: they read server-side paths. */
export const StartJobBody = z
  .discriminatedUnion('name', [
    z.object({ name: z.literal('reembed-collection'), payload: ReembedPayload }).strict(),
    z.object({ name: z.literal('cf-refresh'), payload: CfRefreshPayload }).strict(),
  ])
  .meta({ id: 'StartJob' });

const JobIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/) }).strict();
const JobState = z
  .object({
    id: z.string(),
    state: z.enum(['pending', 'completed', 'failed']),
    result: z.unknown().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'JobState' });
const Counts = z.object({
  waiting: z.number(),
  active: z.number(),
  delayed: z.number(),
  completed: z.number(),
  failed: z.number(),
});

export const jobRoutes = {
  start: {
    method: 'post',
    path: '/v1/jobs',
    tag: 'jobs',
    scope: 'admin',
    summary:
      'Start a job: re-embed a collection after a model change, or refresh collaborative-filtering vectors',
    body: StartJobBody,
    response: z.object({ id: z.string(), name: z.string() }),
    status: 202,
  },
  counts: {
    method: 'get',
    path: '/v1/jobs',
    tag: 'jobs',
    scope: 'admin',
    summary: 'Job queue backend and counts',
    response: z.object({ queue: z.enum(['bullmq', 'in-process']), counts: Counts }),
  },
  get: {
    method: 'get',
    path: '/v1/jobs/:id',
    tag: 'jobs',
    scope: 'admin',
    summary: 'One job: pending, completed with its result, or failed with the reason',
    params: JobIdParam,
    response: JobState,
  },
} satisfies Record<string, RouteSpec>;

/** /v1/jobs over the server's queue. */
export function createJobsRouter(deps: RouteDeps, queue: JobQueue): ExtraRouter {
  const router = Router();
  addRoute(router, deps, jobRoutes.start, async (req, res) => {
    const body = parseBody(StartJobBody, req);
    const id = `${body.name}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    await queue.addMany([{ name: body.name, payload: body.payload, jobId: id }]);
    res.status(202).json({ id, name: body.name });
  });
  addRoute(router, deps, jobRoutes.counts, async (_req, res) => {
    res.json({ queue: queue.kind, counts: await queue.counts() });
  });
  addRoute(router, deps, jobRoutes.get, async (req, res) => {
    const { id } = parseParams(JobIdParam, req);
    const o = (await queue.outcomes([id])).get(id);
    if (o?.state === 'completed')
      return void res.json({ id, state: 'completed', result: o.result });
    if (o?.state === 'failed') return void res.json({ id, state: 'failed', reason: o.reason });
    if (!(await queue.has(id))) throw new ChorusError('NOT_FOUND', `no job ${id}`);
    res.json({ id, state: 'pending' });
  });
  return { router, routes: Object.values(jobRoutes) };
}
