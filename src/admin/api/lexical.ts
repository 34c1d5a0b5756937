import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { textFieldsOf } from '../../domain/document-text.js';
import { LexicalSettings } from '../../domain/lexical-settings.js';
import { LEXICAL_LANGUAGES } from '../../domain/lexical-languages.js';
import { CollectionName } from '../../domain/names.js';
import type { AdminDeps } from '../admin-deps.js';

/**
 * The tuning screen's BM25 settings: the collection's text fields with their weights and its language; saving a change starts
 * the `lexical-rebuild` job that applies it to the stored documents (its id comes back to follow in the jobs list).
 */
export function createLexicalAdminRouter(deps: AdminDeps): Router {
  const router = Router();
  const path = '/admin/api/collections/:collection/lexical';
  router.get(path, async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    const schema = await deps.engine.getCollection(collection);
    res.json({
      ...(await deps.engine.lexicalSettings(collection)),
      indexLanguage: deps.engine.lexicalIndexLanguage(collection),
      fields: textFieldsOf(schema),
      languages: LEXICAL_LANGUAGES,
    });
  });
  router.put(path, async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    const schema = await deps.engine.getCollection(collection);
    const kept = await deps.engine.setLexicalSettings(
      collection,
      LexicalSettings.parse(req.body ?? {}),
    );
    let job: string | undefined;
    if (kept.rebuildNeeded && deps.queue) {
      job = `lexical-rebuild-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
      await deps.queue.addMany([{ name: 'lexical-rebuild', payload: { collection }, jobId: job }]);
    }
    res.json({ ...kept, fields: textFieldsOf(schema), ...(job ? { job } : {}) });
  });
  return router;
}
