import { Router } from 'express';
import { z } from 'zod';
import { CollectionName } from '../../domain/names.js';
import type { AdminDeps } from '../admin-deps.js';

const Params = z.object({
  days: z.coerce.number().int().min(1).max(365).default(30),
  size: z.coerce.number().int().min(1).max(100).default(20),
});

/** GET /admin/api/queries/:collection: the most searched queries and those that found nothing (search analytics). */
export function createQueriesRouter(deps: AdminDeps): Router {
  const router = Router();
  router.get('/admin/api/queries/:collection', async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    const { days, size } = Params.parse(req.query);
    res.json(await deps.engine.queryAnalytics(collection, { days, size }));
  });
  return router;
}
