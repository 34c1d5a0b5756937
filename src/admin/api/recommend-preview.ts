import { Router } from 'express';
import { z } from 'zod';
import { CollectionName, ItemId, UserId } from '../../domain/names.js';
import type { AdminDeps } from '../admin-deps.js';
import { withMedia } from './playground.js';

const PreviewBody = z
  .object({
    collection: CollectionName,
    /** For a user (their profile), like an item, or a shelf (no item or user). */
    mode: z.enum(['user', 'item', 'popular', 'trending']),
    id: z.string().min(1).max(256).optional(),
    limit: z.number().int().min(1).max(50).default(10),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.mode === 'user' || b.mode === 'item') && !b.id)
      ctx.addIssue({ code: 'custom', path: ['id'], message: `give the ${b.mode} id` });
  });

/**
 * POST /admin/api/recommend: what a user, an item's page or a shelf would be recommended, as the API serves it but
 * never logged (a preview must not become training data or move counters).
 */
export function createRecommendPreviewRouter(deps: AdminDeps): Router {
  const router = Router();
  router.post('/admin/api/recommend', async (req, res) => {
    const b = PreviewBody.parse(req.body ?? {});
    const r = await deps.engine.recommend({
      collection: b.collection,
      ...(b.mode === 'user' ? { userId: UserId.parse(b.id) } : {}),
      ...(b.mode === 'item' ? { itemId: ItemId.parse(b.id) } : {}),
      fallback: b.mode === 'trending' ? 'trending' : 'popular',
      limit: b.limit,
      logImpression: false,
    });
    res.json(withMedia(deps.db.provenance, b.collection, r));
  });
  return router;
}
