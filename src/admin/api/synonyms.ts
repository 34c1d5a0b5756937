import type { Router } from 'express';
import { formatSynonymsFile, parseSynonymsFile } from '../../domain/synonyms-file.js';
import { SynonymSet } from '../../domain/synonyms.js';
import type { AdminDeps } from '../admin-deps.js';
import { createTextSettingRouter } from './text-settings.js';

/** The tuning screen's synonyms box: the store and rules of /v1/collections/:name/synonyms, as Solr file text. */
export function createSynonymsAdminRouter(deps: AdminDeps): Router {
  return createTextSettingRouter(deps, {
    name: 'synonyms',
    read: (engine, collection) => engine.synonyms(collection),
    write: (engine, collection, text) =>
      engine.setSynonyms(collection, SynonymSet.parse(parseSynonymsFile(text))),
    format: formatSynonymsFile,
  });
}
