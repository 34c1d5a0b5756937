import { Router } from 'express';
import { FEATURE_SPEC_VERSION } from '../../../rerankers/features/index.js';
import { CollectionName } from '../../domain/names.js';
import { trainabilityStatus } from '../../feedback/trainability.js';
import type { AdminDeps } from '../admin-deps.js';

/**
 * GET /admin/api/trainability/:collection -> { impressionsWithFeatures, clickedImpressions, ready, reason?,
 * featureSpecVersion, minClickedImpressions }. Unknown collection: 404.
 */
export function createTrainabilityRouter(deps: AdminDeps): Router {
  const router = Router();
  router.get('/admin/api/trainability/:collection', async (req, res) => {
    const c = CollectionName.parse(req.params.collection);
    await deps.engine.getCollection(c);
    res.json({ collection: c, ...trainabilityStatus(deps.db.events, c, FEATURE_SPEC_VERSION) });
  });
  return router;
}
