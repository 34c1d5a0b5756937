import { Router } from 'express';
import { z } from 'zod';
import { CollectionSchema, VectorSpec, PayloadFieldType } from '../../domain/collection.js';
import { VectorName } from '../../domain/modality.js';
import { SynonymSet } from '../../domain/synonyms.js';
import { CurationSet } from '../../domain/curations.js';
import { LexicalSettings } from '../../domain/lexical-settings.js';
import { CollectionSettings } from '../../domain/collection-settings.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { CollectionParam } from '../schemas.js';
import { parseBody, parseParams, parseQuery } from '../validate.js';

export const CreateCollectionBody = CollectionSchema.extend({
  vectors: z
    .record(VectorName, VectorSpec.strict())
    .refine((v) => Object.keys(v).length > 0, 'a collection needs at least one named vector'),
  payloadIndexes: z.record(z.string(), PayloadFieldType).optional(),
})
  .strict()
  .meta({ id: 'CreateCollection' });

export const CollectionInfo = z
  .object({
    name: z.string(),
    vectors: z.record(
      z.string(),
      z.object({
        modality: z.string(),
        dim: z.number().int(),
        distance: z.string(),
        modelId: z.string().optional(),
      }),
    ),
    payloadIndexes: z.record(z.string(), z.string()),
    count: z.number().int().meta({ description: 'Items stored' }),
    lexicalCount: z.number().int().meta({ description: 'Items with text in the BM25 index' }),
  })
  .meta({ id: 'Collection' });

const StoredSettings = z
  .object({ synonyms: SynonymSet, curations: CurationSet, lexical: LexicalSettings })
  .meta({ id: 'StoredCollectionSettings' });

export const SuggestionsQuery = z
  .object({
    prefix: z.string().max(200).meta({ description: 'What has been typed so far' }),
    limit: z.coerce.number().int().min(1).max(20).default(5),
  })
  .strict();

export const Suggestions = z
  .object({
    suggestions: z.array(
      z.object({
        query: z
          .string()
          .meta({ description: 'The query, normalised (lower case, punctuation aside)' }),
        users: z
          .number()
          .int()
          .meta({ description: 'Distinct users who searched it and got results' }),
        searches: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'QuerySuggestions' });

export const collectionRoutes = {
  list: {
    method: 'get',
    path: '/v1/collections',
    tag: 'collections',
    scope: 'read',
    summary: 'List collections with their schemas and sizes',
    response: z.object({ collections: z.array(CollectionInfo) }),
  },
  create: {
    method: 'post',
    path: '/v1/collections',
    tag: 'collections',
    scope: 'admin',
    summary: 'Create a collection (named vectors with dimension and distance; payload indexes)',
    body: CreateCollectionBody,
    response: z.object({ collection: CollectionInfo }),
    status: 201,
  },
  get: {
    method: 'get',
    path: '/v1/collections/:name',
    tag: 'collections',
    scope: 'read',
    summary: 'One collection',
    params: CollectionParam,
    response: z.object({ collection: CollectionInfo }),
  },
  drop: {
    method: 'delete',
    path: '/v1/collections/:name',
    tag: 'collections',
    scope: 'admin',
    summary: 'Drop a collection with its items, lexical index and feedback state',
    params: CollectionParam,
    response: z.object({ dropped: z.string() }),
  },
  synonyms: {
    method: 'get',
    path: '/v1/collections/:name/synonyms',
    tag: 'collections',
    scope: 'read',
    summary: "The collection's synonym groups and one-way rules",
    params: CollectionParam,
    response: SynonymSet,
  },
  setSynonyms: {
    method: 'put',
    path: '/v1/collections/:name/synonyms',
    tag: 'collections',
    scope: 'admin',
    summary: "Replace the collection's synonym groups and one-way rules (empty lists remove them)",
    description:
      "A text query holding one word or phrase of a group also searches BM25 for the others, and one of a rule's `from` its `to` (matched after stop words and stemming; the added words weigh as the query's own and are never typo-corrected, nor are the words they matched). Applies from the next query; vector lists are untouched.",
    params: CollectionParam,
    body: SynonymSet,
    response: SynonymSet,
  },
  lexical: {
    method: 'get',
    path: '/v1/collections/:name/lexical',
    tag: 'collections',
    scope: 'read',
    summary: "The collection's BM25 settings (field weights)",
    params: CollectionParam,
    response: LexicalSettings,
  },
  setLexical: {
    method: 'put',
    path: '/v1/collections/:name/lexical',
    tag: 'collections',
    scope: 'admin',
    summary: "Replace the collection's BM25 settings (field weights)",
    description:
      "`fieldWeights` (text field -> whole number 1-10): a field of weight w counts w times in its item's BM25 document (term frequencies and length), so a title word can outweigh a body word. Applies to documents written from now on; when the stored documents were built otherwise the answer says `rebuildNeeded`: start a `lexical-rebuild` job (POST /v1/jobs) to rewrite them from the store.",
    params: CollectionParam,
    body: LexicalSettings,
    response: LexicalSettings.extend({
      rebuildNeeded: z
        .boolean()
        .meta({ description: 'Stored BM25 documents were built with other settings' }),
    }).meta({ id: 'LexicalSettingsSaved' }),
  },
  curations: {
    method: 'get',
    path: '/v1/collections/:name/curations',
    tag: 'collections',
    scope: 'read',
    summary: "The collection's curation rules (items promoted or hidden for given queries)",
    params: CollectionParam,
    response: CurationSet,
  },
  setCurations: {
    method: 'put',
    path: '/v1/collections/:name/curations',
    tag: 'collections',
    scope: 'admin',
    summary: "Replace the collection's curation rules (an empty list removes them)",
    description:
      "The first rule whose `query` matches a search's text (`exact`: the same words; `contains`: its words in a row; case and punctuation ignored, no stemming) puts its `promote` items first in that order and leaves its `hide` items out. A promoted item must still pass the search's filter, phrases and exclusions. Applies from the next query; `curate: false` on a search skips it.",
    params: CollectionParam,
    body: CurationSet,
    response: CurationSet.extend({
      missing: z.array(z.string()).optional().meta({
        description:
          'Promoted or hidden ids not in the collection now (the rules are stored; they apply once such an item exists)',
      }),
    }).meta({ id: 'CurationsSaved' }),
  },
  settings: {
    method: 'get',
    path: '/v1/collections/:name/settings',
    tag: 'collections',
    scope: 'read',
    summary:
      "The collection's synonyms, curations and BM25 settings in one document (to copy them elsewhere)",
    params: CollectionParam,
    response: StoredSettings,
  },
  setSettings: {
    method: 'put',
    path: '/v1/collections/:name/settings',
    tag: 'collections',
    scope: 'admin',
    summary:
      "Replace the parts of the collection's settings the document has (the others are kept)",
    description:
      'The document `GET .../settings` returns, from this collection or another: each of `synonyms`, `curations` and `lexical` that it has replaces that part, as its own PUT would. Every part is checked before any is stored, so a refused document changes nothing. `rebuildNeeded` and `missing` as the single-part writes say them.',
    params: CollectionParam,
    body: CollectionSettings,
    response: StoredSettings.extend({
      rebuildNeeded: z
        .boolean()
        .meta({ description: 'Stored BM25 documents were built with other settings' }),
      missing: z.array(z.string()).optional().meta({
        description: 'Curated ids not in the collection now (stored anyway)',
      }),
    }).meta({ id: 'CollectionSettingsSaved' }),
  },
  suggestions: {
    method: 'get',
    path: '/v1/collections/:name/suggestions',
    tag: 'collections',
    scope: 'read',
    summary:
      'Past queries that start with what is typed (search-box suggestions), most searched first',
    description:
      "Counted from the searches this server logged (the last `suggestions.days` days): a query is offered once `suggestions.minUsers` distinct users (the `userId` searches carry) searched it and got results, so one client cannot plant a suggestion and one person's query is not shown to others. Queries with operators (quotes, -exclusions) are not offered. Recounted in the background every `suggestions.refreshSeconds`.",
    params: CollectionParam,
    query: SuggestionsQuery,
    response: Suggestions,
  },
} satisfies Record<string, RouteSpec>;

export function createCollectionsRouter(deps: RouteDeps): Router {
  const router = Router();
  const { engine } = deps;
  const info = async (schema: CollectionSchema): Promise<z.infer<typeof CollectionInfo>> => ({
    name: schema.name,
    vectors: schema.vectors,
    payloadIndexes: schema.payloadIndexes,
    count: await engine.store.count(schema.name),
    lexicalCount: engine.deps.bm25.count(schema.name),
  });
  addRoute(router, deps, collectionRoutes.list, async (_req, res) => {
    const all = await engine.listCollections();
    res.json({ collections: await Promise.all(all.map(info)) });
  });
  addRoute(router, deps, collectionRoutes.create, async (req, res) => {
    const body = parseBody(CreateCollectionBody, req);
    const created = await engine.createCollection(body);
    res.status(201).json({ collection: await info(created) });
  });
  addRoute(router, deps, collectionRoutes.get, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json({ collection: await info(await engine.getCollection(name)) });
  });
  addRoute(router, deps, collectionRoutes.drop, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    await engine.getCollection(name);
    await engine.dropCollection(name);
    res.json({ dropped: name });
  });
  addRoute(router, deps, collectionRoutes.synonyms, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.synonyms(name));
  });
  addRoute(router, deps, collectionRoutes.setSynonyms, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.setSynonyms(name, parseBody(SynonymSet, req)));
  });
  addRoute(router, deps, collectionRoutes.lexical, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.lexicalSettings(name));
  });
  addRoute(router, deps, collectionRoutes.setLexical, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.setLexicalSettings(name, parseBody(LexicalSettings, req)));
  });
  addRoute(router, deps, collectionRoutes.curations, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.curations(name));
  });
  addRoute(router, deps, collectionRoutes.setCurations, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.setCurations(name, parseBody(CurationSet, req)));
  });
  addRoute(router, deps, collectionRoutes.suggestions, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    const q = parseQuery(SuggestionsQuery, req);
    res.json({ suggestions: await engine.suggest(name, q.prefix, q.limit) });
  });
  addRoute(router, deps, collectionRoutes.settings, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.settings(name));
  });
  addRoute(router, deps, collectionRoutes.setSettings, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.setSettings(name, parseBody(CollectionSettings, req)));
  });
  return router;
}
