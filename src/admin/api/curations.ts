import { Router } from 'express';
import { z } from 'zod';
import { curationsFromFile, formatCurationsFile } from '../../domain/curations-file.js';
import { curateItem } from '../../domain/curations.js';
import { CollectionName, ItemId } from '../../domain/names.js';
import type { AdminDeps } from '../admin-deps.js';
import { createTextSettingRouter } from './text-settings.js';

const CurateBody = z
  .object({
    query: z.string().trim().min(1).max(200),
    itemId: ItemId,
    action: z.enum(['promote', 'hide', 'clear']),
  })
  .strict();

/**
 * The tuning screen's curations: the box edits the rules of /v1/collections/:name/curations as `chorus curations`
 * text; a result's Pin / Hide / Unpin buttons edit the exact rule for the query shown (POST .../curations/items).
 */
export function createCurationsAdminRouter(deps: AdminDeps): Router {
  const router = createTextSettingRouter(deps, {
    name: 'curations',
    read: (engine, collection) => engine.curations(collection),
    write: (engine, collection, text) =>
      engine.setCurations(collection, curationsFromFile(text, false)),
    format: formatCurationsFile,
  });
  router.post('/admin/api/collections/:collection/curations/items', async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    const b = CurateBody.parse(req.body ?? {});
    const set = await deps.engine.curations(collection);
    const kept = await deps.engine.setCurations(
      collection,
      curateItem(set, b.query, b.itemId, b.action),
    );
    res.json({ ...kept, text: formatCurationsFile(kept) });
  });
  return router;
}
