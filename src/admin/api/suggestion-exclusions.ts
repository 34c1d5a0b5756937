import type { Router } from 'express';
import { SuggestionSettings } from '../../domain/query-suggestions.js';
import type { AdminDeps } from '../admin-deps.js';
import { createTextSettingRouter } from './text-settings.js';

/** One excluded expression per line; blank lines and surrounding spaces do not count. */
export function parseExclusionLines(text: string): SuggestionSettings {
  const exclude = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return SuggestionSettings.parse({ exclude });
}

/** The tuning screen's suggestion exclusions: /v1/collections/:name/suggestion-settings as one expression a line. */
export function createSuggestionExclusionsAdminRouter(deps: AdminDeps): Router {
  return createTextSettingRouter(deps, {
    name: 'suggestion-settings',
    read: (engine, collection) => engine.suggestionSettings(collection),
    write: (engine, collection, text) =>
      engine.setSuggestionSettings(collection, parseExclusionLines(text)),
    format: (s) => s.exclude.join('\n'),
  });
}
