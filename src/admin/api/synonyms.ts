import { Router } from 'express';
import { CollectionName } from '../../domain/names.js';
import { SynonymSet } from '../../domain/synonyms.js';
import type { AdminDeps } from '../admin-deps.js';

/** The tuning screen's synonyms editor: the same store and rules as /v1/collections/:name/synonyms. */
export function createSynonymsAdminRouter(deps: AdminDeps): Router {
  const router = Router();
  const path = '/admin/api/collections/:collection/synonyms';
  router.get(path, async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    res.json(await deps.engine.synonyms(collection));
  });
  router.put(path, async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    res.json(await deps.engine.setSynonyms(collection, SynonymSet.parse(req.body ?? {})));
  });
  return router;
}
