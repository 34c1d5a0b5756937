import { Router } from 'express';
import { z } from 'zod';
import { SynonymSet } from '../../domain/synonyms.js';
import { CurationSet } from '../../domain/curations.js';
import { LexicalSettings } from '../../domain/lexical-settings.js';
import { LEXICAL_LANGUAGES } from '../../domain/lexical-languages.js';
import { CollectionSettings } from '../../domain/collection-settings.js';
import { SuggestionSettings } from '../../domain/query-suggestions.js';
import { CollectionRanking, PresetName } from '../../domain/ranking-defaults.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { CollectionParam } from '../schemas.js';
import { parseBody, parseParams, parseQuery } from '../validate.js';

const StoredRankingSchema = CollectionRanking.extend({
  preset: PresetName.nullable().meta({
    description: 'The fusion preset the collection defaults to (null: the configured defaults)',
  }),
}).meta({ id: 'StoredCollectionRanking' });

// Relevance tuning per collection: synonyms, BM25 settings, curations, the settings document, query suggestions
// and search analytics.
const StoredSettings = z
  .object({
    synonyms: SynonymSet,
    curations: CurationSet,
    lexical: LexicalSettings,
    suggestions: SuggestionSettings,
    ranking: StoredRankingSchema,
  })
  .meta({ id: 'StoredCollectionSettings' });

export const SuggestionsQuery = z
  .object({
    prefix: z
      .string()
      .max(200)
      .meta({ description: 'What has been typed so far (empty: the most searched queries)' }),
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

export const QueryReportQuery = z
  .object({
    days: z.coerce.number().int().min(1).max(365).default(30),
    size: z.coerce.number().int().min(1).max(100).default(20),
    minSearches: z.coerce.number().int().min(1).max(1_000_000).default(5).meta({
      description:
        'Searches with results a query needs to be listed among the low click-through ones',
    }),
  })
  .strict();

const QueryStat = z.object({
  query: z.string().meta({ description: 'The query, normalised (lower case, punctuation aside)' }),
  searches: z.number().int(),
  noResults: z.number().int().meta({ description: 'Searches that found nothing' }),
  noTextMatch: z
    .number()
    .int()
    .meta({ description: 'Searches no BM25 document matched (only the vectors answered)' }),
  clicked: z.number().int().meta({ description: 'Searches with results and at least one click' }),
  ctr: z.number().meta({ description: 'clicked / searches with results' }),
  clickPosition: z
    .number()
    .nullable()
    .meta({ description: "Mean 1-based position of its searches' clicks (null: no clicks)" }),
  converted: z
    .number()
    .int()
    .meta({ description: 'Searches with results followed by a purchase naming their queryId' }),
  conversionRate: z.number().meta({ description: 'converted / searches with results' }),
});

export const QueryReportSchema = z
  .object({
    days: z.number().int(),
    searches: z.number().int().meta({ description: 'Text searches logged in the window' }),
    noResultRate: z.number(),
    top: z.array(QueryStat).meta({ description: 'Most searched first' }),
    noResults: z
      .array(QueryStat)
      .meta({ description: 'Queries that found nothing, most often first' }),
    noTextMatch: z.array(QueryStat).meta({
      description: 'Queries no BM25 document matched, most often first (synonym candidates)',
    }),
    lowCtr: z.array(QueryStat).meta({
      description:
        'Queries with at least `minSearches` searches with results, lowest click-through rate first (results that miss the intent)',
    }),
  })
  .meta({ id: 'QueryReport' });

export const tuningRoutes = {
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
    summary: "The collection's BM25 settings (field weights, language)",
    params: CollectionParam,
    response: LexicalSettings.extend({
      indexLanguage: z.enum(LEXICAL_LANGUAGES).meta({
        description:
          'The language the stored BM25 documents and queries are analyzed in now (differs from `language` until a rebuild)',
      }),
    }).meta({ id: 'LexicalSettingsRead' }),
  },
  setLexical: {
    method: 'put',
    path: '/v1/collections/:name/lexical',
    tag: 'collections',
    scope: 'admin',
    summary: "Replace the collection's BM25 settings (field weights, language)",
    description:
      "`fieldWeights` (text field -> whole number 1-10): a field of weight w counts w times in its item's BM25 document (term frequencies and length), so a title word can outweigh a body word. `language` (default english; a part left out is its default): the stop words and stemmer text is analyzed with; on a collection with no BM25 documents yet it applies at once. Settings apply to documents written from now on; when the stored documents were built otherwise the answer says `rebuildNeeded`: start a `lexical-rebuild` job (POST /v1/jobs) to rewrite them from the store (a new language applies to queries and writes when the rebuild starts).",
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
      "The collection's synonyms, curations, BM25, suggestion settings and default ranking in one document (to copy them elsewhere)",
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
      'The document `GET .../settings` returns, from this collection or another: each of `synonyms`, `curations`, `lexical`, `suggestions` and `ranking` that it has replaces that part, as its own PUT would (a `ranking` makes its preset where it is missing). The parts are stored in one transaction, so a refused document changes nothing. `rebuildNeeded` and `missing` as the single-part writes say them.',
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
  ranking: {
    method: 'get',
    path: '/v1/collections/:name/ranking',
    tag: 'collections',
    scope: 'read',
    summary: "The collection's default ranking (the fusion preset a search naming no ranker uses)",
    params: CollectionParam,
    response: StoredRankingSchema,
  },
  setRanking: {
    method: 'put',
    path: '/v1/collections/:name/ranking',
    tag: 'collections',
    scope: 'admin',
    summary: "Replace the collection's default ranking",
    description:
      '`{"preset": "tuned"}` applies an existing fusion preset (404 when there is none); settings (`fusion`, `weights`, `rrfK`, `candidates`) save a preset under `preset` (default: the collection\'s name) and apply it, refused (409) when another collection defaults to a preset of that name with other settings; `{}` or `{"preset": null}` goes back to the configured defaults. Presets are the admin UI\'s. Applies from the next search; a request naming `fusion` or `weights` still overrides it.',
    params: CollectionParam,
    body: CollectionRanking,
    response: StoredRankingSchema,
  },
  suggestionSettings: {
    method: 'get',
    path: '/v1/collections/:name/suggestion-settings',
    tag: 'collections',
    scope: 'read',
    summary: 'What the collection never suggests (excluded words and phrases)',
    params: CollectionParam,
    response: SuggestionSettings,
  },
  setSuggestionSettings: {
    method: 'put',
    path: '/v1/collections/:name/suggestion-settings',
    tag: 'collections',
    scope: 'admin',
    summary:
      "Replace the collection's excluded suggestion words and phrases (an empty list removes them)",
    description:
      'A suggestion holding an excluded expression (its words in a row, compared as suggestions are: case and punctuation aside, no stemming) is never offered. Applies from the next lookup.',
    params: CollectionParam,
    body: SuggestionSettings,
    response: SuggestionSettings,
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
  queryReport: {
    method: 'get',
    path: '/v1/collections/:name/analytics/queries',
    tag: 'collections',
    scope: 'admin',
    summary:
      'Search analytics: the most searched queries, those that found nothing, those no keyword matched',
    description:
      "From the searches the server logged in the last `days` (the newest 200,000 events): queries grouped by their words, with searches, no-result counts and click-through. The admin UI's Queries screen; admin key, as the text people typed is private.",
    params: CollectionParam,
    query: QueryReportQuery,
    response: QueryReportSchema,
  },
} satisfies Record<string, RouteSpec>;

/** The tuning routes of a collection (see tuningRoutes). */
export function createTuningRouter(deps: RouteDeps): Router {
  const router = Router();
  const { engine } = deps;
  addRoute(router, deps, tuningRoutes.synonyms, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.synonyms(name));
  });
  addRoute(router, deps, tuningRoutes.setSynonyms, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.setSynonyms(name, parseBody(SynonymSet, req)));
  });
  addRoute(router, deps, tuningRoutes.lexical, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json({
      ...(await engine.lexicalSettings(name)),
      indexLanguage: engine.lexicalIndexLanguage(name),
    });
  });
  addRoute(router, deps, tuningRoutes.setLexical, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.setLexicalSettings(name, parseBody(LexicalSettings, req)));
  });
  addRoute(router, deps, tuningRoutes.curations, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.curations(name));
  });
  addRoute(router, deps, tuningRoutes.setCurations, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.setCurations(name, parseBody(CurationSet, req)));
  });
  addRoute(router, deps, tuningRoutes.queryReport, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.queryAnalytics(name, parseQuery(QueryReportQuery, req)));
  });
  addRoute(router, deps, tuningRoutes.ranking, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.ranking(name));
  });
  addRoute(router, deps, tuningRoutes.setRanking, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.setRanking(name, parseBody(CollectionRanking, req)));
  });
  addRoute(router, deps, tuningRoutes.suggestionSettings, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.suggestionSettings(name));
  });
  addRoute(router, deps, tuningRoutes.setSuggestionSettings, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.setSuggestionSettings(name, parseBody(SuggestionSettings, req)));
  });
  addRoute(router, deps, tuningRoutes.suggestions, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    const q = parseQuery(SuggestionsQuery, req);
    res.json({ suggestions: await engine.suggest(name, q.prefix, q.limit) });
  });
  addRoute(router, deps, tuningRoutes.settings, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.settings(name));
  });
  addRoute(router, deps, tuningRoutes.setSettings, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json(await engine.setSettings(name, parseBody(CollectionSettings, req)));
  });
  return router;
}
