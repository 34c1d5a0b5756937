import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { ExtraRouter } from '../api/app.js';
import type { AdminDeps } from './admin-deps.js';
import { mountSessionRoutes, requireAdmin } from './admin-auth.js';
import { createItemsRouter } from './api/items.js';
import { createJobsAdminRouter } from './api/jobs.js';
import { createJudgmentsRouter } from './api/judgments.js';
import { createModelsAdminRouter } from './api/models.js';
import { createOverviewRouter } from './api/overview.js';
import { createPlaygroundRouter } from './api/playground.js';
import { createPresetsRouter } from './api/presets.js';
import { createSynonymsAdminRouter } from './api/synonyms.js';
import { createSuggestionExclusionsAdminRouter } from './api/suggestion-exclusions.js';
import { createCurationsAdminRouter } from './api/curations.js';
import { createSettingsDocumentRouter } from './api/settings-document.js';
import { createQueriesRouter } from './api/queries.js';
import { createRecommendPreviewRouter } from './api/recommend-preview.js';
import { createLexicalAdminRouter } from './api/lexical.js';
import { createTrainabilityRouter } from './api/trainability.js';
import { SessionStore } from './sessions.js';
import { createVendorRouter } from './vendor.js';

export type { AdminDeps, ModelAdmin } from './admin-deps.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// From src/ (tsx, the default) the assets sit beside this file; from a tsc build (dist/src/admin) they stay in src/.
const STATIC_DIR =
  [path.join(HERE, 'static'), path.resolve(HERE, '../../../src/admin/static')].find((d) =>
    existsSync(path.join(d, 'index.html')),
  ) ?? path.join(HERE, 'static');

/**
 * The admin UI at /admin: static preact + htm modules (no build step), vendor modules from node_modules, and
 * admin-only JSON under /admin/api behind a session cookie + CSRF token (or the admin key in a header).
 */
export function createAdminRouter(
  deps: AdminDeps,
  sessions: SessionStore = new SessionStore({ now: deps.now }),
): ExtraRouter {
  const router = Router();
  const guard = requireAdmin(deps.keys, sessions);

  router.get(['/admin', '/admin/'], (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.sendFile(path.join(STATIC_DIR, 'index.html'));
  });
  router.use(
    '/admin/static',
    express.static(STATIC_DIR, { index: false, fallthrough: false, maxAge: 0 }),
  );
  router.use(createVendorRouter());

  router.use('/admin/api', (_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });
  mountSessionRoutes(router, deps.keys, sessions, guard, () => ({
    queues: deps.config.redisUrl ? '/admin/queues' : null,
  }));
  router.use('/admin/api', guard);
  router.use(createOverviewRouter(deps));
  router.use(createItemsRouter(deps));
  router.use(createJobsAdminRouter(deps));
  router.use(createPlaygroundRouter(deps));
  router.use(createPresetsRouter(deps));
  router.use(createSynonymsAdminRouter(deps));
  router.use(createSuggestionExclusionsAdminRouter(deps));
  router.use(createCurationsAdminRouter(deps));
  router.use(createSettingsDocumentRouter(deps));
  router.use(createQueriesRouter(deps));
  router.use(createRecommendPreviewRouter(deps));
  router.use(createLexicalAdminRouter(deps));
  router.use(createJudgmentsRouter(deps));
  router.use(createModelsAdminRouter(deps));
  router.use(createTrainabilityRouter(deps));
  return { router, routes: [] };
}
