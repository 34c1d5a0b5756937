import { Router } from 'express';
import { z } from 'zod';
import type { AdminDeps } from '../admin-deps.js';

const ItemsQuery = z
  .object({
    cursor: z.string().max(1024).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();

/**
 * GET /admin/api/items/:collection: a page of stored items with their payload and which named vectors each has
 * (name and dimension, not the numbers), so an engineer can see what an item can be found by.
 */
export function createItemsRouter(deps: AdminDeps): Router {
  const router = Router();
  router.get('/admin/api/items/:collection', async (req, res) => {
    const collection = z.string().min(1).max(128).parse(req.params.collection);
    const q = ItemsQuery.parse(req.query);
    const schema = await deps.engine.getCollection(collection);
    const [page, total] = await Promise.all([
      deps.engine.store.scroll(collection, { limit: q.limit, cursor: q.cursor, withVectors: true }),
      deps.engine.store.count(collection),
    ]);
    res.json({
      collection,
      total,
      declared: Object.keys(schema.vectors),
      items: page.items.map((item) => ({
        id: item.id,
        payload: item.payload,
        vectors: Object.fromEntries(
          Object.entries(item.vectors).map(([name, v]) => [name, v.length]),
        ),
      })),
      next: page.next ?? null,
    });
  });
  return router;
}
