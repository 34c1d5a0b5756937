import type { Router } from 'express';
import { curationsFromFile, formatCurationsFile } from '../../domain/curations-file.js';
import type { AdminDeps } from '../admin-deps.js';
import { createTextSettingRouter } from './text-settings.js';

/** The tuning screen's curations box: the rules of /v1/collections/:name/curations, as `chorus curations` text. */
export function createCurationsAdminRouter(deps: AdminDeps): Router {
  return createTextSettingRouter(deps, {
    name: 'curations',
    read: (engine, collection) => engine.curations(collection),
    write: (engine, collection, text) =>
      engine.setCurations(collection, curationsFromFile(text, false)),
    format: formatCurationsFile,
  });
}
