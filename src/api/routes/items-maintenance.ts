import { Router } from 'express';
import { z } from 'zod';
import { CollectionName } from '../../domain/collection.js';
import { Filter } from '../../domain/filter.js';
import { ClientPayload, ItemId } from '../../domain/item.js';
import { checkFilter } from '../../engine/cost-limits.js';
import { ChorusError } from '../../errors.js';
import { trackWrite } from '../middleware/request-timeout.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { parseBody, parseParams } from '../validate.js';
import { ItemParams, StoredItem, storedItem } from './items.js';

// Catalogue upkeep: many items deleted at once (by ids or by a filter) and payload fields changed in place.

export const DeleteItemsBody = z
  .object({
    collection: CollectionName,
    ids: z.array(ItemId).min(1).max(10_000).optional(),
    filter: Filter.optional(),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), {
    message: 'give either ids or a filter',
  })
  .meta({ id: 'DeleteItems' });

export const PatchItemBody = z
  .object({
    collection: CollectionName,
    set: ClientPayload.optional().meta({
      description: 'Top-level payload fields to replace or add',
    }),
    unset: z
      .array(z.string().min(1).max(256))
      .max(256)
      .optional()
      .meta({ description: 'Top-level payload fields to remove' }),
  })
  .strict()
  .refine((b) => b.set !== undefined || b.unset !== undefined, {
    message: 'give the fields to set or unset',
  })
  .meta({ id: 'PatchItem' });

export const itemMaintenanceRoutes = {
  deleteMany: {
    method: 'post',
    path: '/v1/items/delete',
    tag: 'items',
    scope: 'write',
    summary: 'Delete many items: up to 10,000 ids, or every item a filter selects',
    description:
      'Each batch of 1,000 is deleted from the store, then the BM25 index, as a single delete is. With a filter, the matching ids are read first, then deleted; `matched` says how many the filter selected.',
    body: DeleteItemsBody,
    response: z.object({
      deleted: z.number().int(),
      matched: z.number().int().optional(),
    }),
  },
  patch: {
    method: 'patch',
    path: '/v1/items/:id',
    tag: 'items',
    scope: 'write',
    summary: 'Change some payload fields of one item; its vectors stay (no re-encoding)',
    description:
      'Top-level fields in `set` are replaced or added, those in `unset` removed; the BM25 document follows the new payload. The item is read, merged and written back: a concurrent write of the same item may be overwritten (last write wins).',
    params: ItemParams,
    body: PatchItemBody,
    response: z.object({ item: StoredItem }),
  },
} satisfies Record<string, RouteSpec>;

export function createItemMaintenanceRouter(deps: RouteDeps): Router {
  const router = Router();
  const { engine } = deps;
  addRoute(router, deps, itemMaintenanceRoutes.deleteMany, async (req, res) => {
    checkFilter(deps.config.limits, (req.body as { filter?: unknown } | undefined)?.filter);
    const b = parseBody(DeleteItemsBody, req);
    const write = trackWrite(res);
    if (b.ids) res.json(await engine.deleteItems(b.collection, [...new Set(b.ids)], write));
    else res.json(await engine.deleteWhere(b.collection, b.filter!, write));
  });
  addRoute(router, deps, itemMaintenanceRoutes.patch, async (req, res) => {
    const { id } = parseParams(ItemParams, req);
    const b = parseBody(PatchItemBody, req);
    const clash = b.unset?.find((k) => b.set && k in b.set);
    if (clash !== undefined)
      throw new ChorusError('VALIDATION', `"${clash}" is both set and unset`, { field: clash });
    const item = await engine.patchItem(
      b.collection,
      id,
      { set: b.set, unset: b.unset },
      trackWrite(res),
    );
    res.json({ item: storedItem(item, false) });
  });
  return router;
}
