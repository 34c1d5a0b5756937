import { randomBytes } from 'node:crypto';
import type { Router } from 'express';
import { parseCollectionSettingsFile } from '../../domain/collection-settings-file.js';
import type { StoredCollectionSettings } from '../../domain/collection-settings.js';
import type { AdminDeps } from '../admin-deps.js';
import { createTextSettingRouter } from './text-settings.js';

/**
 * The tuning screen's settings document: the JSON `chorus settings show` prints (synonyms, curations, BM25 and
 * suggestion settings, default ranking),
 * to copy from one collection or server and apply to another. Applying new field weights starts the rebuild job.
 */
export function createSettingsDocumentRouter(deps: AdminDeps): Router {
  return createTextSettingRouter<StoredCollectionSettings & { job?: string }>(deps, {
    name: 'settings',
    read: (engine, collection) => engine.settings(collection),
    async write(engine, collection, text) {
      const kept = await engine.setSettings(collection, parseCollectionSettingsFile(text));
      if (!kept.rebuildNeeded || !deps.queue) return kept;
      const job = `lexical-rebuild-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
      await deps.queue.addMany([{ name: 'lexical-rebuild', payload: { collection }, jobId: job }]);
      return { ...kept, job };
    },
    format: ({ synonyms, curations, lexical, suggestions, ranking }) =>
      JSON.stringify({ synonyms, curations, lexical, suggestions, ranking }, null, 2),
  });
}
