import { textFieldsOf } from '../domain/document-text.js';
import type { Filter } from '../domain/filter.js';
import { disjunctiveFields, withFacetFilters, type FacetFilters } from '../domain/facet-filters.js';
import { parseQuerySyntax, type QuerySyntax } from '../domain/query-syntax.js';
import { ChorusError } from '../errors.js';
import { routeRanking } from './baseline-fusion.js';
import { checkFilter } from './cost-limits.js';
import type { EngineDeps } from './engine-deps.js';
import { checkFacetFilters, checkFacets } from './facets.js';
import { checkOffset } from './paging.js';
import { checkSort, type SortKey } from './sort.js';
import { checkCollapse } from './collapse.js';
import { encodeQuery, routesFromEncoders, type QueryInput } from './query-encoding.js';
import type { SchemaCache } from './schema-cache.js';
import { StageTimer } from './stage-timer.js';
import { textRequirement } from './text-requirement.js';
import { runTwoStage, type RankedResponse, type TwoStageArgs } from './two-stage.js';

export const MIN_SNIPPET = 20;
export const MAX_SNIPPET = 2000;

export interface SearchRequest {
  collection: string;
  query: QueryInput;
  filter?: Filter;
  /** Personalises ranking with the user's profile and is logged with the impression. */
  userId?: string;
  fusion?: string;
  weights?: Record<string, number>;
  limit?: number;
  /** Ranked hits to skip: `offset` 10 with `limit` 10 is the second page of ten (at most MAX_OFFSET). */
  offset?: number;
  /** Mark where the shown hits' text fields hold the query text's terms (`highlights` per hit; text queries). */
  highlight?: boolean;
  /** With highlights, the best window of at most this many characters per matched string field (`snippets`). */
  snippet?: number;
  /** Payload fields whose values to count over the query's candidates (answered as `facets`). */
  facets?: string[];
  /** Values per facet, most frequent first (default 10, at most 100). */
  facetSize?: number;
  /**
   * Ticked facet values per field: hits have one of each field's values; a field also asked in `facets` counts
   * over the candidates its own selection would leave out too (disjunctive facets).
   */
  facetFilters?: FacetFilters;
  /** Order the query's candidates by payload fields (ties by relevance) instead of by relevance alone. */
  sort?: SortKey[];
  /** Keep only the best hit per value of this payload field (a product's variants, an album's tracks). */
  collapse?: string;
  /** Stage-1 depth per list (default config.search.candidatesPerModality). */
  candidates?: number;
  /** Include the BM25 list for text queries (default true). */
  lexical?: boolean;
  /**
   * Search as you type: the text's last word, with nothing after it, also matches the words it begins ("blue jer"
   * finds "blue jersey"). Default false. BM25 only: the vectors encode the text as typed.
   */
  prefix?: boolean;
  /** Drop items the user already engaged with (default false for search). */
  excludeSeen?: boolean;
  /** MMR diversity 0..1 (0 = off). */
  diversity?: number;
  /** RRF constant k for this request (default: the collection preset, then config.search.rrfK). */
  rrfK?: number;
  /** Apply the collection's curation rule for this text (default true; the admin playground compares without). */
  curate?: boolean;
  /** Log the impression (default true); the admin playground turns it off so tuning does not become training data. */
  logImpression?: boolean;
  /** Aborted when the caller gave up (request timeout, disconnect): no stage starts after that. */
  signal?: AbortSignal;
}

export async function search(
  deps: EngineDeps,
  schemas: SchemaCache,
  req: SearchRequest,
): Promise<RankedResponse> {
  checkFacets(req.facets, req.facetSize);
  checkFacetFilters(req.facetFilters);
  const filter = withFacetFilters(req.filter, req.facetFilters);
  checkFilter(deps.limits, filter);
  checkOffset(req.offset);
  checkSort(req.sort, req.diversity);
  checkCollapse(req.collapse);
  if (
    req.snippet !== undefined &&
    !(Number.isInteger(req.snippet) && req.snippet >= MIN_SNIPPET && req.snippet <= MAX_SNIPPET)
  )
    throw new ChorusError(
      'VALIDATION',
      `snippet is a length of ${MIN_SNIPPET}-${MAX_SNIPPET} characters, got ${req.snippet}`,
    );
  const timer = new StageTimer(deps.observeStage);
  const schema = await schemas.get(req.collection);
  // Quoted phrases and -exclusions: the lists search the rest, every candidate is checked against them.
  const syntax = req.query.text?.trim() ? parseQuerySyntax(req.query.text) : undefined;
  const operators = syntax ? syntax.phrases.length + syntax.excluded.length > 0 : false;
  const q = operators ? { ...req.query, text: syntax!.text } : req.query;
  if (
    !q.text?.trim() &&
    !q.image &&
    !q.audio &&
    (!q.vectors || Object.keys(q.vectors).length === 0)
  ) {
    throw new ChorusError(
      'VALIDATION',
      operators
        ? 'a query of -exclusions only says what to leave out: add words, a phrase, an image, audio or vectors to search for'
        : 'a search needs text, an image, audio or vectors',
    );
  }
  req.signal?.throwIfAborted();
  const encoded = await timer.time('encode', () =>
    encodeQuery(deps.queryRoutes ?? ((m) => routesFromEncoders(deps.encoders(), m)), schema, q),
  );
  const lexical = req.lexical !== false && Boolean(q.text?.trim());
  if (encoded.vectors.size === 0 && !lexical) {
    throw new ChorusError(
      'MODEL_MISSING',
      `nothing can answer this query: ${encoded.missing.join('; ')}`,
      { notes: encoded.missing },
    );
  }
  // The first curation rule matching the words searched (quotes and -exclusions aside): its hidden items never
  // reach a list, its promoted go first.
  const curation =
    req.curate !== false && q.text?.trim()
      ? deps.curations?.match(req.collection, q.text)
      : undefined;
  const seen =
    req.excludeSeen && req.userId ? deps.state.seen(req.collection, req.userId) : undefined;
  const exclude = curation?.rule.hide.length
    ? new Set([...(seen ?? []), ...curation.rule.hide])
    : seen;
  const { baseline, ...ranking } = routeRanking(deps, req.collection, req);
  const kind = q.text?.trim() ? 'text' : q.image ? 'image' : q.audio ? 'audio' : 'vector';
  const synonyms = lexical ? deps.synonyms?.expand(req.collection, q.text!) : undefined;
  const notes = [...encoded.missing];
  if (lexical) {
    const wanted = deps.lexicalLanguage?.(req.collection);
    const reads = deps.bm25.language(req.collection);
    if (wanted && wanted !== reads)
      notes.push(
        `BM25 still reads this collection in ${reads}: its settings say ${wanted}, which applies once the lexical rebuild has rewritten its documents (chorus lexical rebuild, or a lexical-rebuild job)`,
      );
  }
  // Highlights mark them, corrections are spelt from them, and phrases and exclusions are checked on them.
  // A snippet is cut around the highlights: asking for one asks for them.
  const highlight = req.highlight || req.snippet !== undefined;
  const textFields = lexical || highlight || operators ? textFieldsOf(schema) : undefined;
  const required = operators
    ? textRequirement(deps.bm25.analysis(req.collection), syntax!, textFields!)
    : undefined;
  if (operators) notes.push(operatorNote(syntax!, required!.ignored));
  if (synonyms?.added.length)
    notes.push(`synonyms added ${synonyms.added.map((e) => `"${e}"`).join(', ')}`);
  return runTwoStage(deps, {
    collection: req.collection,
    vectors: encoded.vectors,
    text: lexical ? q.text : undefined,
    ...(synonyms?.added.length ? { expand: synonyms } : {}),
    ...(req.prefix ? { prefix: true } : {}),
    ...(required?.accept ? { accept: required.accept } : {}),
    filter,
    payloadIndexes: schema.payloadIndexes,
    userId: req.userId,
    exclude,
    ...ranking,
    logImpression: req.logImpression,
    ...(req.query.text?.trim() ? { queryText: req.query.text } : {}),
    limit: req.limit ?? deps.search.defaultLimit,
    offset: req.offset,
    ...(req.facets?.length ? { facets: facetArgs(req) } : {}),
    sort: req.sort,
    ...(req.collapse ? { collapse: req.collapse } : {}),
    ...(curation ? { curation } : {}),
    ...(highlight && q.text?.trim() && textFields
      ? {
          highlight: {
            query: q.text,
            fields: textFields,
            ...(req.snippet !== undefined ? { snippet: req.snippet } : {}),
          },
        }
      : {}),
    ...(lexical ? { textFields } : {}),
    diversity: req.diversity,
    ctx: { queryKind: kind, queryModalities: encoded.modalities, baseline },
    notes,
    timer,
    signal: req.signal,
  });
}

/** The facets to count; a selected field's own over what the filter and the other fields' selections pass. */
function facetArgs(req: SearchRequest): NonNullable<TwoStageArgs['facets']> {
  const own = disjunctiveFields(req.facets, req.facetFilters).map(
    (f) => [f, withFacetFilters(req.filter, req.facetFilters, f)] as const,
  );
  return { fields: req.facets!, size: req.facetSize, ...(own.length ? { own: new Map(own) } : {}) };
}

/** What the query's operators asked, as the response's note says it. */
function operatorNote(syntax: QuerySyntax, ignored: readonly string[]): string {
  const quote = (list: readonly string[]) => list.map((p) => `"${p}"`).join(', ');
  const phrases = syntax.phrases.filter((p) => !ignored.includes(p));
  const excluded = syntax.excluded.filter((p) => !ignored.includes(p));
  const parts = [
    ...(phrases.length ? [`every hit holds ${quote(phrases)}`] : []),
    ...(excluded.length ? [`no hit holds ${quote(excluded)}`] : []),
    ...(ignored.length ? [`ignored ${quote(ignored)} (no searchable word)`] : []),
  ];
  return `query operators: ${parts.join('; ')}`;
}
