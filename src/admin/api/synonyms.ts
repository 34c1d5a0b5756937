import { Router } from 'express';
import { z } from 'zod';
import { CollectionName } from '../../domain/names.js';
import { formatSynonymsFile, parseSynonymsFile } from '../../domain/synonyms-file.js';
import { SynonymSet } from '../../domain/synonyms.js';
import type { AdminDeps } from '../admin-deps.js';

/**
 * The tuning screen's synonyms box: the same store and rules as /v1/collections/:name/synonyms, edited as the text
 * `chorus synonyms set --file` reads (one parser, so the box names a bad line as the CLI does).
 */
export function createSynonymsAdminRouter(deps: AdminDeps): Router {
  const router = Router();
  const path = '/admin/api/collections/:collection/synonyms';
  const answer = (set: SynonymSet) => ({ ...set, text: formatSynonymsFile(set) });
  router.get(path, async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    res.json(answer(await deps.engine.synonyms(collection)));
  });
  router.put(path, async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    const { text } = z
      .object({ text: z.string().max(2_000_000) })
      .strict()
      .parse(req.body ?? {});
    const set = SynonymSet.parse(parseSynonymsFile(text));
    res.json(answer(await deps.engine.setSynonyms(collection, set)));
  });
  return router;
}
