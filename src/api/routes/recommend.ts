import { Router } from 'express';
import { z } from 'zod';
import { CollectionName } from '../../domain/collection.js';
import { Filter } from '../../domain/filter.js';
import { ItemId } from '../../domain/item.js';
import { VectorName } from '../../domain/modality.js';
import { requestSignal } from '../middleware/request-timeout.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { RankedResponse } from '../schemas.js';
import { parseBody } from '../validate.js';
import { FusionName, Offset, SortKeys, Weights } from './search.js';
import { UserId } from '../../domain/names.js';
import { checkFilter } from '../../engine/cost-limits.js';

export const RecommendBody = z
  .object({
    collection: CollectionName,
    itemId: ItemId.optional().meta({
      description: 'More like this item (excluded from its own results)',
    }),
    userId: UserId.optional().meta({
      description: "For this user (their profile); with itemId, personalises the item's list",
    }),
    filter: Filter.optional(),
    limit: z.number().int().min(1).max(200).optional(),
    offset: Offset.optional(),
    fusion: FusionName.optional(),
    weights: Weights.optional(),
    excludeSeen: z
      .boolean()
      .optional()
      .meta({ description: 'Leave out items the user engaged with or skipped (default true)' }),
    diversity: z.number().min(0).max(1).optional().meta({ description: 'MMR trade-off; 0 = off' }),
    sort: SortKeys.optional(),
    collapse: z.string().min(1).max(64).optional().meta({
      description: 'Keep only the best-ranked hit per value of this payload field',
    }),
    vectorNames: z.array(VectorName).min(1).max(16).optional(),
    candidates: z.number().int().min(1).max(1000).optional(),
    fallback: z.enum(['popular', 'trending', 'none']).optional().meta({
      description:
        "With nothing to compare with (no itemId or userId, a user without a profile, an item without vectors): 'popular' lists the collection's most engaged items (default), 'trending' the most engaged lately (each engagement halves every 7 days), 'none' answers no hits",
    }),
  })
  .strict()
  .refine((b) => b.itemId !== undefined || b.userId !== undefined || b.fallback !== 'none', {
    message: "recommend needs itemId, userId or a fallback list ('popular', 'trending')",
  })
  .meta({ id: 'RecommendRequest' });

export const recommendRoutes = {
  recommend: {
    method: 'post',
    path: '/v1/recommend',
    tag: 'recommend',
    scope: 'read',
    admission: true,
    summary: 'Item-to-item or per-user recommendations',
    description:
      "Uses the item's vectors, or the user's per-vector profiles (time-decayed, updated by every feedback event), as queries; a user without a profile gets the collection's most engaged items (`fallback`), and a request naming neither gets that list alone (a popular or trending shelf).",
    body: RecommendBody,
    response: RankedResponse,
  },
} satisfies Record<string, RouteSpec>;

export function createRecommendRouter(deps: RouteDeps): Router {
  const router = Router();
  addRoute(router, deps, recommendRoutes.recommend, async (req, res) => {
    checkFilter(deps.config.limits, (req.body as { filter?: unknown } | undefined)?.filter);
    res.json(
      await deps.engine.recommend({ ...parseBody(RecommendBody, req), signal: requestSignal(res) }),
    );
  });
  return router;
}
