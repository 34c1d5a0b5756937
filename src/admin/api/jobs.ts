import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { ChorusError } from '../../errors.js';
import { StartJobBody } from '../../jobs/jobs-router.js';
import type { AdminDeps } from '../admin-deps.js';

const JobId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'job ids are letters, digits, _ and -');

/**
 * The jobs panel: the newest jobs with state, progress and failure reason; starting a re-embed or a
 * collaborative-filtering refresh; cancelling a waiting or running job.
 */
export function createJobsAdminRouter(deps: AdminDeps): Router {
  const router = Router();
  const queue = () => {
    if (!deps.queue) throw new ChorusError('UNAVAILABLE', 'this server runs no job queue');
    return deps.queue;
  };
  router.get('/admin/api/jobs', async (req, res) => {
    const { limit } = z
      .object({ limit: z.coerce.number().int().min(1).max(200).default(30) })
      .strict()
      .parse(req.query);
    const q = queue();
    const [jobs, counts] = await Promise.all([q.list(limit), q.counts()]);
    res.json({ backend: q.kind, counts, jobs });
  });
  router.post('/admin/api/jobs', async (req, res) => {
    const body = StartJobBody.parse(req.body ?? {});
    await deps.engine.getCollection(body.payload.collection); // unknown collection: 404 now, not a failed job later
    const id = `${body.name}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    await queue().addMany([{ name: body.name, payload: body.payload, jobId: id }]);
    res.status(202).json({ id, name: body.name });
  });
  router.post('/admin/api/jobs/:id/cancel', async (req, res) => {
    const id = JobId.parse(req.params.id);
    const result = await queue().cancel(id);
    if (result === 'unknown') throw new ChorusError('NOT_FOUND', `no job ${id}`);
    res.json({ id, result });
  });
  return router;
}
