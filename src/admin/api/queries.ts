import { Router } from 'express';
import { z } from 'zod';
import { CollectionName } from '../../domain/names.js';
import type { AdminDeps } from '../admin-deps.js';

const Params = z.object({
  days: z.coerce.number().int().min(1).max(365).default(30),
  size: z.coerce.number().int().min(1).max(100).default(20),
});

/**
 * GET /admin/api/queries/:collection: the most searched queries and those that found nothing (search analytics);
 * GET /admin/api/collections/:collection/suggestions: the query box's suggestions.
 */
export function createQueriesRouter(deps: AdminDeps): Router {
  const router = Router();
  router.get('/admin/api/queries/:collection', async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    const { days, size } = Params.parse(req.query);
    res.json(await deps.engine.queryAnalytics(collection, { days, size }));
  });
  // The query box's suggestions (as GET /v1/collections/:name/suggestions answers them).
  router.get('/admin/api/collections/:collection/suggestions', async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    const prefix = z.string().max(200).catch('').parse(req.query.prefix);
    res.json({ suggestions: await deps.engine.suggest(collection, prefix, 8) });
  });
  return router;
}
