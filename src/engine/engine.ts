import type { Encoder } from '../../indexers/encoder.js';
import { createBaselineRerankers } from '../../rerankers/fusion/index.js';
import type { Reranker } from '../../rerankers/reranker.js';
import type { ChorusConfig } from '../config.js';
import type { CollectionSchema, CollectionSchemaInput } from '../domain/collection.js';
import type { FeedbackEvent } from '../domain/feedback.js';
import type { Modality } from '../domain/modality.js';
import type {
  EventOrigin,
  FeedbackIngest,
  FeedbackStatePort,
  IngestResult,
  UserEventEraser,
} from '../domain/feedback-port.js';
import { EventBatcher } from './event-batcher.js';
import type { LexicalIndex } from '../domain/lexical.js';
import type { SynonymSet, Synonyms } from '../domain/synonyms.js';
import type { CurationSet, Curations } from '../domain/curations.js';
import {
  excludedBy,
  type QuerySuggestion,
  type QuerySuggestions,
  type SuggestionSettings,
  type SuggestionSettingsStore,
} from '../domain/query-suggestions.js';
import type { QueryReport, SearchAnalytics } from '../domain/search-analytics.js';
import type {
  CollectionSettings,
  StoredCollectionSettings,
} from '../domain/collection-settings.js';
import {
  lexicalWeightsOf,
  type LexicalSettings,
  type LexicalSettingsStore,
} from '../domain/lexical-settings.js';
import { textFieldsOf } from '../domain/document-text.js';
import { rebuildLexical } from './lexical-rebuild.js';
import { ChorusError } from '../errors.js';
import type { ItemInput, VectorStore } from '../stores/vector-store.js';
import { refreshCf, type CfRefreshResult } from './cf/cf-refresh.js';
import type { EngineDeps } from './engine-deps.js';
import {
  commitItems,
  deleteItems,
  prepareItem,
  upsertItems,
  type ItemWrite,
  type ItemWriteOptions,
} from './items.js';
import type { QueryRoute } from './query-encoding.js';
import { recommend, type RecommendRequest } from './recommend.js';
import { SchemaCache } from './schema-cache.js';
import { recoverPendingWrites, type WriteJournal } from './write-journal.js';
import { search, type SearchRequest } from './search.js';
import { collectionFacets, type CollectionFacets } from './collection-facets.js';
import { withFacetFilters, type FacetFilters } from '../domain/facet-filters.js';
import type {
  CollectionRanking,
  RankingDefaultsStore,
  StoredRanking,
} from '../domain/ranking-defaults.js';
import { DEFAULT_LEXICAL_LANGUAGE, type LexicalLanguage } from '../domain/lexical-languages.js';
import { checkFilter } from './cost-limits.js';
import type { Filter } from '../domain/filter.js';
import type { Item, Payload } from '../domain/item.js';
import { publicPayload } from '../domain/names.js';
import { itemBatches } from '../stores/item-batches.js';
import type { QueryLimits } from './cost-limits.js';
import type { StageObserver } from './stage-timer.js';
import type { RankedResponse } from './two-stage.js';

export interface EngineOptions {
  store: VectorStore;
  bm25: LexicalIndex;
  /** Serving state from feedback: item counters, profiles, seen items. */
  state: FeedbackStatePort;
  /** Applies feedback (durable log, then state); the composition root wires src/feedback's ingestFeedback. */
  ingest: FeedbackIngest;
  /** The durable event log, for erasing a user's events. */
  events?: UserEventEraser;
  encoders?: () => readonly Encoder[];
  queryRoutes?: (modality: Modality) => QueryRoute[];
  search: ChorusConfig['search'];
  /** Query cost caps (config.limits): filter size/depth, `in` length, candidates × lists. */
  limits?: QueryLimits;
  /** Extra rankers beside the baselines, e.g. `model` (the promoted learned reranker). */
  rerankers?: Record<string, Reranker>;
  observeStage?: StageObserver;
  onLogError?: (e: unknown) => void;
  now?: () => number;
  /** Per-collection defaults for fusion, weights, rrfK and candidates (admin UI presets). */
  searchDefaults?: EngineDeps['searchDefaults'];
  /** Per-collection synonyms (chorus.db kv in the app); absent: none, and setting them is refused. */
  synonyms?: Synonyms;
  /** Per-collection curations: items promoted or hidden for given queries (chorus.db kv in the app). */
  curations?: Curations;
  /** Past queries offered to people typing their start (absent: none). */
  suggestions?: QuerySuggestions;
  /** Per-collection expressions never suggested (absent: none). */
  suggestionSettings?: SuggestionSettingsStore;
  /** Each collection's default ranking (a named fusion preset); absent: the configured defaults only. */
  rankingDefaults?: RankingDefaultsStore;
  /**
   * Runs the settings stores' writes as one transaction (chorus.db's, which they share in the app), so a settings
   * document is stored whole or not at all; absent: one after another.
   */
  settingsTransaction?: <T>(fn: () => T) => T;
  /** Query reports from the logged searches (absent: none). */
  searchAnalytics?: SearchAnalytics;
  /** Per-collection BM25 settings (field weights; chorus.db kv in the app); absent: every field weighs 1. */
  lexicalSettings?: LexicalSettingsStore;
  /** Log impressions inline instead of group-committing them after the response (default false). */
  inlineImpressions?: boolean;
  /** Durable record of writes in flight (chorus.db kv), so a crash between store and BM25 is repaired on restart. */
  journal?: WriteJournal;
  /** The server's provenance records: an item written or deleted through the API no longer has recorded files. */
  provenance?: {
    forget(collection: string, ids: readonly string[]): void;
    forgetCollection(collection: string): void;
  };
}

/** Ids of a new curation set checked against the store (the rest are stored unchecked). */
const MAX_CHECKED_CURATION_IDS = 10_000;

/** The engine facade the API and CLI call: collections, items, search, recommend, feedback. */
export class Engine {
  readonly deps: EngineDeps;
  readonly schemas: SchemaCache;
  readonly rerankers: Map<string, Reranker>;

  private readonly excluded = new Map<string, { key: string; skip: (query: string) => boolean }>();

  constructor(private readonly opts: EngineOptions) {
    this.schemas = new SchemaCache(opts.store);
    this.rerankers = new Map<string, Reranker>(
      Object.entries({ ...createBaselineRerankers({ rrfK: opts.search.rrfK }), ...opts.rerankers }),
    );
    this.deps = {
      store: opts.store,
      bm25: opts.bm25,
      state: opts.state,
      encoders: opts.encoders ?? (() => []),
      queryRoutes: opts.queryRoutes,
      rerankers: this.rerankers,
      search: opts.search,
      limits: opts.limits,
      ingest: (events, origin) => this.ingest(events, origin),
      // Only the engine's own impression log is server-origin: its rows are what training trusts.
      impressions: opts.inlineImpressions
        ? undefined
        : new EventBatcher((events) => this.ingest(events, 'server'), opts.onLogError),
      observeStage: opts.observeStage,
      onLogError: opts.onLogError,
      now: opts.now,
      searchDefaults: opts.searchDefaults,
      synonyms: opts.synonyms,
      curations: opts.curations,
      lexicalWeights: opts.lexicalSettings ? lexicalWeightsOf(opts.lexicalSettings) : undefined,
      lexicalLanguage: opts.lexicalSettings
        ? (collection) => opts.lexicalSettings!.get(collection).language ?? DEFAULT_LEXICAL_LANGUAGE
        : undefined,
      journal: opts.journal,
    };
  }

  get store(): VectorStore {
    return this.opts.store;
  }

  async createCollection(schema: CollectionSchemaInput): Promise<CollectionSchema> {
    const created = await this.opts.store.createCollection(schema);
    this.schemas.forget(created.name);
    return created;
  }

  listCollections(): Promise<CollectionSchema[]> {
    return this.opts.store.listCollections();
  }

  getCollection(name: string): Promise<CollectionSchema> {
    return this.schemas.get(name);
  }

  async dropCollection(name: string): Promise<void> {
    await this.opts.store.dropCollection(name);
    this.schemas.forget(name);
    await this.opts.bm25.dropCollection(name);
    this.opts.state.dropCollection(name);
    this.opts.provenance?.forgetCollection(name);
    this.opts.synonyms?.drop(name);
    this.opts.curations?.drop(name);
    this.opts.lexicalSettings?.drop(name);
    this.opts.suggestions?.forget(name);
    this.opts.suggestionSettings?.drop(name);
    this.opts.rankingDefaults?.drop(name);
  }

  /** What the collection never suggests (404 for an unknown collection). */
  async suggestionSettings(collection: string): Promise<SuggestionSettings> {
    await this.schemas.get(collection);
    return this.opts.suggestionSettings?.get(collection) ?? { exclude: [] };
  }

  /** Replaces what the collection never suggests; applies from the next lookup. */
  async setSuggestionSettings(
    collection: string,
    settings: SuggestionSettings,
  ): Promise<SuggestionSettings> {
    await this.schemas.get(collection);
    if (!this.opts.suggestionSettings)
      throw new ChorusError(
        'UNAVAILABLE',
        'suggestion settings are not stored by this engine (no chorus.db)',
      );
    return this.opts.suggestionSettings.replace(collection, settings);
  }

  /** The collection's default ranking: the fusion preset its searches use when they name no ranker. */
  async ranking(collection: string): Promise<StoredRanking> {
    await this.schemas.get(collection);
    return this.opts.rankingDefaults?.get(collection) ?? { preset: null };
  }

  /** Replaces the collection's default ranking (see CollectionRanking); applies from the next search. */
  async setRanking(collection: string, ranking: CollectionRanking): Promise<StoredRanking> {
    await this.schemas.get(collection);
    if (!this.opts.rankingDefaults)
      throw new ChorusError(
        'UNAVAILABLE',
        'default rankings are not stored by this engine (no chorus.db)',
      );
    return this.opts.rankingDefaults.replace(collection, ranking);
  }

  /** What the collection's users searched and where search failed them (404 for an unknown collection). */
  async queryAnalytics(
    collection: string,
    o: { days?: number; size?: number; minSearches?: number } = {},
  ): Promise<QueryReport> {
    await this.schemas.get(collection);
    if (!this.opts.searchAnalytics)
      throw new ChorusError('UNAVAILABLE', 'search analytics need the event log (no chorus.db)');
    return this.opts.searchAnalytics(collection, o);
  }

  /** Past queries of the collection that start with `prefix`, best first (404 for an unknown collection). */
  async suggest(collection: string, prefix: string, limit: number): Promise<QuerySuggestion[]> {
    await this.schemas.get(collection);
    if (!this.opts.suggestions) return [];
    const { exclude } = this.opts.suggestionSettings?.get(collection) ?? { exclude: [] };
    return this.opts.suggestions.suggest(
      collection,
      prefix,
      limit,
      this.exclusions(collection, exclude),
    );
  }

  /** The collection's excluded expressions compiled, again only when they change. */
  private exclusions(collection: string, exclude: readonly string[]): (query: string) => boolean {
    const key = exclude.join('\n');
    const kept = this.excluded.get(collection);
    if (kept?.key === key) return kept.skip;
    const skip = excludedBy(exclude);
    this.excluded.set(collection, { key, skip });
    return skip;
  }

  /** The collection's synonyms (404 for an unknown collection). */
  async synonyms(collection: string): Promise<SynonymSet> {
    await this.schemas.get(collection);
    return this.opts.synonyms?.get(collection) ?? { groups: [], rules: [] };
  }

  /** Replaces the collection's synonyms; returns them as stored (normalised). */
  async setSynonyms(collection: string, set: SynonymSet): Promise<SynonymSet> {
    await this.schemas.get(collection);
    if (!this.opts.synonyms)
      throw new ChorusError('UNAVAILABLE', 'synonyms are not stored by this engine (no chorus.db)');
    return this.opts.synonyms.replace(collection, set);
  }

  /** The collection's curations (404 for an unknown collection). */
  async curations(collection: string): Promise<CurationSet> {
    await this.schemas.get(collection);
    return this.opts.curations?.get(collection) ?? { rules: [] };
  }

  /** Replaces the collection's curations (an empty list removes them); returns them as stored. */
  async setCurations(
    collection: string,
    set: CurationSet,
  ): Promise<CurationSet & { missing?: string[] }> {
    await this.schemas.get(collection);
    if (!this.opts.curations)
      throw new ChorusError(
        'UNAVAILABLE',
        'curations are not stored by this engine (no chorus.db)',
      );
    return this.withMissing(collection, this.opts.curations.replace(collection, set));
  }

  /** Curations are stored either way (an item may be indexed later), but a mistyped id does nothing: say which. */
  private async withMissing(
    collection: string,
    kept: CurationSet,
  ): Promise<CurationSet & { missing?: string[] }> {
    const ids = [...new Set(kept.rules.flatMap((r) => [...r.promote, ...r.hide]))].slice(
      0,
      MAX_CHECKED_CURATION_IDS,
    );
    const found = new Set((await this.opts.store.get(collection, ids)).map((i) => i.id));
    const missing = ids.filter((id) => !found.has(id));
    return missing.length > 0 ? { ...kept, missing } : kept;
  }

  /** The collection's BM25 settings (404 for an unknown collection). */
  async lexicalSettings(collection: string): Promise<LexicalSettings> {
    await this.schemas.get(collection);
    return (
      this.opts.lexicalSettings?.get(collection) ?? {
        fieldWeights: {},
        language: this.opts.bm25.language(collection),
      }
    );
  }

  /** The language the collection's stored BM25 documents and its queries are analyzed in now. */
  lexicalIndexLanguage(collection: string): LexicalLanguage {
    return this.opts.bm25.language(collection);
  }

  /**
   * Replaces the collection's BM25 settings. They apply to documents written from now on: `rebuildNeeded` says
   * whether the stored documents were built otherwise (then `rebuildLexical` re-reads them from the store).
   */
  async setLexicalSettings(
    collection: string,
    settings: LexicalSettings,
  ): Promise<LexicalSettings & { rebuildNeeded: boolean }> {
    const schema = await this.schemas.get(collection);
    if (!this.opts.lexicalSettings)
      throw new ChorusError(
        'UNAVAILABLE',
        'lexical settings are not stored by this engine (no chorus.db)',
      );
    checkLexicalFields(schema, settings);
    return this.applyLexical(collection, this.replaceLexical(collection, settings));
  }

  /** Stores BM25 settings (synchronously: a settings document stores every part in one transaction). */
  private replaceLexical(collection: string, settings: LexicalSettings): LexicalChange {
    const store = this.opts.lexicalSettings!;
    const before = JSON.stringify(store.get(collection).fieldWeights);
    const kept = store.replace(collection, settings);
    return { kept, weightsChanged: JSON.stringify(kept.fieldWeights) !== before };
  }

  /** After stored BM25 settings: a new language applies at once where there is nothing to re-analyze. */
  private async applyLexical(
    collection: string,
    { kept, weightsChanged }: LexicalChange,
  ): Promise<LexicalSettings & { rebuildNeeded: boolean }> {
    const language = kept.language ?? DEFAULT_LEXICAL_LANGUAGE;
    const languageChanged = language !== this.opts.bm25.language(collection);
    const stored = this.opts.bm25.count(collection) > 0;
    // Nothing stored to re-analyze: the language applies at once; otherwise the rebuild switches it.
    if (languageChanged && !stored) await this.opts.bm25.setLanguage(collection, language);
    return { ...kept, rebuildNeeded: stored && (weightsChanged || languageChanged) };
  }

  /** The collection's synonyms, curations and BM25 settings in one document (404 for an unknown collection). */
  async settings(collection: string): Promise<StoredCollectionSettings> {
    return {
      synonyms: await this.synonyms(collection),
      curations: await this.curations(collection),
      lexical: await this.lexicalSettings(collection),
      suggestions: await this.suggestionSettings(collection),
      ranking: await this.ranking(collection),
    };
  }

  /**
   * Replaces the parts of the collection's settings that `settings` has (a part left out is kept). Every part is
   * checked before any is stored, so a refused document changes nothing; returns all parts as stored, with what
   * the single-part writes report (`rebuildNeeded`, `missing`).
   */
  async setSettings(
    collection: string,
    settings: CollectionSettings,
  ): Promise<StoredCollectionSettings & { rebuildNeeded: boolean; missing?: string[] }> {
    const schema = await this.schemas.get(collection);
    const o = this.opts;
    const parts: [keyof CollectionSettings, unknown][] = [
      ['synonyms', o.synonyms],
      ['curations', o.curations],
      ['lexical', o.lexicalSettings],
      ['suggestions', o.suggestionSettings],
      ['ranking', o.rankingDefaults],
    ];
    for (const [part, store] of parts)
      if (settings[part] && !store)
        throw new ChorusError(
          'UNAVAILABLE',
          `${part} settings are not stored by this engine (no chorus.db)`,
        );
    if (settings.lexical) checkLexicalFields(schema, settings.lexical);
    // Every part in one transaction: a part refused while storing (a synonym without a searchable word, a preset
    // another collection shares) or a crash leaves every part as it was.
    const transaction = o.settingsTransaction ?? (<T>(fn: () => T) => fn());
    const { curations, lexical } = transaction(() => {
      if (settings.synonyms) o.synonyms!.replace(collection, settings.synonyms);
      const curations = settings.curations
        ? o.curations!.replace(collection, settings.curations)
        : undefined;
      const lexical = settings.lexical
        ? this.replaceLexical(collection, settings.lexical)
        : undefined;
      if (settings.suggestions) o.suggestionSettings!.replace(collection, settings.suggestions);
      if (settings.ranking) o.rankingDefaults!.replace(collection, settings.ranking);
      return { curations, lexical };
    });
    const curated = curations ? await this.withMissing(collection, curations) : undefined;
    const applied = lexical ? await this.applyLexical(collection, lexical) : undefined;
    const stored = await this.settings(collection);
    return {
      ...stored,
      rebuildNeeded: applied?.rebuildNeeded ?? false,
      ...(curated?.missing ? { missing: curated.missing } : {}),
    };
  }

  /** Rewrites the collection's BM25 documents from the store with its current settings (see rebuildLexical). */
  async rebuildLexical(
    collection: string,
    o: { signal?: AbortSignal; progress?: (fraction: number) => void; batchSize?: number } = {},
  ): Promise<{ documents: number; removed: number }> {
    const schema = await this.schemas.get(collection);
    // The documents are rewritten in the language set for the collection, which queries use from now on.
    const language = this.opts.lexicalSettings?.get(collection).language;
    if (language && language !== this.opts.bm25.language(collection))
      await this.opts.bm25.setLanguage(collection, language);
    return rebuildLexical(this.deps, schema, o);
  }

  /** Idempotent by id. With a signal: stops before the store commit once aborted; `progress` says how far it got. */
  async upsertItems(
    collection: string,
    items: ItemWrite[],
    opts: ItemWriteOptions = {},
  ): Promise<{ upserted: number }> {
    const schema = await this.schemas.get(collection);
    const r = await upsertItems(this.deps, schema, items, opts);
    // Its content is now the caller's: a later bulk index must not skip it, nor a re-embed read the old files.
    this.opts.provenance?.forget(
      collection,
      items.map((i) => i.id),
    );
    return r;
  }

  /** Brings BM25 in line with the store for writes a crash interrupted (call once at start-up). */
  async recoverPendingWrites(): Promise<number> {
    if (!this.opts.journal) return 0;
    return recoverPendingWrites({
      store: this.opts.store,
      bm25: this.opts.bm25,
      journal: this.opts.journal,
      schema: (c) => this.schemas.get(c),
      lexicalWeights: this.deps.lexicalWeights,
    });
  }

  /** Validates and encodes one item for `commitItems` (streaming loads report each item's error on its own). */
  prepareItem(schema: CollectionSchema, item: ItemWrite, signal?: AbortSignal): Promise<ItemInput> {
    return prepareItem(this.deps, schema, item, signal);
  }

  /** Stores prepared items, then indexes them for BM25 (see upsertItems for the signal's meaning). */
  async commitItems(
    schema: CollectionSchema,
    items: ItemInput[],
    opts: ItemWriteOptions = {},
  ): Promise<{ upserted: number }> {
    const r = await commitItems(this.deps, schema, items, opts);
    this.opts.provenance?.forget(
      schema.name,
      items.map((i) => i.id),
    );
    return r;
  }

  async deleteItems(
    collection: string,
    ids: string[],
    opts: ItemWriteOptions = {},
  ): Promise<{ deleted: number }> {
    await this.schemas.get(collection);
    const r = await deleteItems(this.deps, collection, ids, opts);
    this.opts.provenance?.forget(collection, ids);
    return r;
  }

  /**
   * Deletes every item a filter selects, in batches of DELETE_BATCH (each as `deleteItems`: store, then BM25, with
   * the crash journal). The ids are read first, in one pass, then deleted. `matched`: the ids the filter selected.
   */
  async deleteWhere(
    collection: string,
    filter: Filter,
    opts: ItemWriteOptions = {},
  ): Promise<{ deleted: number; matched: number }> {
    checkFilter(this.opts.limits, filter);
    await this.schemas.get(collection);
    const ids: string[] = [];
    for await (const batch of itemBatches(this.opts.store, collection, {
      filter,
      signal: opts.signal,
    }))
      for (const item of batch) ids.push(item.id);
    let deleted = 0;
    for (let i = 0; i < ids.length; i += DELETE_BATCH)
      deleted += (await this.deleteItems(collection, ids.slice(i, i + DELETE_BATCH), opts)).deleted;
    return { deleted, matched: ids.length };
  }

  /**
   * Changes some payload fields of one item and keeps its vectors (no re-encoding) and its recorded source: `set`
   * replaces those top-level fields, `unset` removes fields. Read, merged and written back: a concurrent write of
   * the same item may be overwritten (last write wins). The BM25 document follows the new payload.
   */
  async patchItem(
    collection: string,
    id: string,
    patch: { set?: Payload; unset?: readonly string[] },
    opts: ItemWriteOptions = {},
  ): Promise<Item> {
    const schema = await this.schemas.get(collection);
    const [item] = await this.opts.store.get(collection, [id], {
      withVectors: true,
      signal: opts.signal,
    });
    if (!item)
      throw new ChorusError('NOT_FOUND', `item "${id}" is not in collection "${collection}"`);
    const payload: Payload = { ...publicPayload(item.payload), ...(patch.set ?? {}) };
    for (const key of patch.unset ?? []) delete payload[key];
    // upsertItems' own path, without forgetting the item's source: its vectors still come from it.
    await upsertItems(this.deps, schema, [{ id, payload, vectors: item.vectors }], opts);
    return { ...item, payload };
  }

  search(req: SearchRequest): Promise<RankedResponse> {
    return search(this.deps, this.schemas, req);
  }

  /** Value counts of payload fields over a whole collection or the items a filter selects (404: no collection). */
  async facets(
    collection: string,
    fields: readonly string[],
    opts: {
      filter?: Filter;
      facetFilters?: FacetFilters;
      size?: number;
      signal?: AbortSignal;
    } = {},
  ): Promise<CollectionFacets> {
    checkFilter(this.opts.limits, withFacetFilters(opts.filter, opts.facetFilters));
    await this.schemas.get(collection);
    return collectionFacets(this.opts.store, collection, fields, opts);
  }

  recommend(req: RecommendRequest): Promise<RankedResponse> {
    return recommend(this.deps, this.schemas, req);
  }

  /** Applies feedback; events are client-origin unless the engine logged them itself. */
  ingest(events: FeedbackEvent[], origin: EventOrigin = 'client'): Promise<IngestResult> {
    return this.opts.ingest(events, origin);
  }

  /** Waits until every impression logged so far is durable (tests, shutdown). */
  async flush(): Promise<void> {
    await this.deps.impressions?.flush();
  }

  /** Learns the `cf` vectors from interactions (H5's job queue runs this as the cf-refresh job). */
  refreshCf(collection: string): Promise<CfRefreshResult> {
    return refreshCf(
      { store: this.opts.store, state: this.opts.state, now: this.opts.now },
      collection,
    );
  }

  /** Removes a user's events (durable log) and their profile and seen items. */
  async deleteUser(userId: string): Promise<{ profiles: number; seen: number; events: unknown }> {
    // Impressions of this user still queued for the log are written first, so they are deleted too.
    await this.deps.impressions?.flush();
    const events = this.opts.events ? await this.opts.events.deleteUser(userId) : undefined;
    return { ...this.opts.state.deleteUser(userId), events };
  }
}

/** BM25 settings as just stored, and whether the weights differ from before. */
interface LexicalChange {
  kept: LexicalSettings;
  weightsChanged: boolean;
}

/** Field weights may only name the fields BM25 reads. */
function checkLexicalFields(schema: CollectionSchema, settings: LexicalSettings): void {
  const fields = textFieldsOf(schema);
  for (const field of Object.keys(settings.fieldWeights))
    if (!fields.includes(field))
      throw new ChorusError(
        'VALIDATION',
        `"${field}" is not a text field of ${schema.name}; its BM25 text fields: ${fields.join(', ')}`,
        { field },
      );
}

/** Items one filtered delete removes per write (each a store commit and a BM25 update). */
const DELETE_BATCH = 1000;
