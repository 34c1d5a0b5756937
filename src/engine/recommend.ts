import { routeRanking } from './baseline-fusion.js';
import type { Filter } from '../domain/filter.js';
import { ChorusError } from '../errors.js';
import type { EngineDeps } from './engine-deps.js';
import { userProfiles } from './priors.js';
import type { SchemaCache } from './schema-cache.js';
import { StageTimer } from './stage-timer.js';
import { runTwoStage, type RankedResponse } from './two-stage.js';
import { checkFilter } from './cost-limits.js';
import { checkOffset } from './paging.js';
import { checkSort, type SortKey } from './sort.js';
import { newQueryId } from './query-id.js';
import { popularList } from './popular-list.js';
import { checkCollapse } from './collapse.js';

export interface RecommendRequest {
  collection: string;
  /** More like this item (its own vectors become the queries; the item itself is excluded). */
  itemId?: string;
  /** For this user (their per-vector profiles become the queries); with itemId, personalises the item's list. */
  userId?: string;
  filter?: Filter;
  limit?: number;
  /** Ranked hits to skip (a later page; at most MAX_OFFSET). */
  offset?: number;
  fusion?: string;
  weights?: Record<string, number>;
  /** Leave out items the user has engaged with or skipped (default true). */
  excludeSeen?: boolean;
  /** MMR diversity 0..1 (0 = off). */
  diversity?: number;
  /** Order the candidates by payload fields (ties by rank) instead of by the ranking alone. */
  sort?: SortKey[];
  /** Keep only the best hit per value of this payload field. */
  collapse?: string;
  /** Restrict to these vector names (default: all the item or profile has). */
  vectorNames?: string[];
  candidates?: number;
  /**
   * What a request with nothing to compare with gets (no item or user named, a user without a profile, an item
   * without vectors): 'popular', the collection's most engaged items (default); 'trending', the most engaged lately
   * (each engagement halves every week); or 'none', an empty list.
   */
  fallback?: 'popular' | 'trending' | 'none';
  /** Log the served list as an impression (default true; the admin preview passes false). */
  logImpression?: boolean;
  /** Aborted when the caller gave up (request timeout, disconnect): no stage starts after that. */
  signal?: AbortSignal;
}

export async function recommend(
  deps: EngineDeps,
  schemas: SchemaCache,
  req: RecommendRequest,
): Promise<RankedResponse> {
  if (!req.itemId && !req.userId && req.fallback === 'none')
    throw new ChorusError(
      'VALIDATION',
      'recommend needs an itemId, a userId or a fallback list (popular, trending)',
    );
  checkFilter(deps.limits, req.filter);
  checkOffset(req.offset);
  checkSort(req.sort, req.diversity);
  checkCollapse(req.collapse);
  const timer = new StageTimer(deps.observeStage);
  const schema = await schemas.get(req.collection);
  const notes: string[] = [];
  const vectors = new Map<string, Float32Array>();
  const exclude = new Set<string>();
  const keep = (name: string) =>
    (!req.vectorNames || req.vectorNames.includes(name)) && schema.vectors[name] !== undefined;

  await timer.time('encode', async () => {
    if (req.itemId) {
      const [item] = await deps.store.get(req.collection, [req.itemId], {
        withVectors: true,
        signal: req.signal,
      });
      if (!item)
        throw new ChorusError(
          'NOT_FOUND',
          `item "${req.itemId}" is not in collection "${req.collection}"`,
        );
      for (const [name, v] of Object.entries(item.vectors)) if (keep(name)) vectors.set(name, v);
      exclude.add(item.id);
      if (vectors.size === 0) notes.push(`item "${req.itemId}" has no vectors to compare with`);
    } else if (req.userId) {
      for (const [name, v] of userProfiles(deps.state, req.collection, req.userId))
        if (keep(name)) vectors.set(name, v);
      if (vectors.size === 0)
        notes.push(
          `user "${req.userId}" has no profile yet: send feedback events (click, like, ...) first`,
        );
    }
  });
  if (req.userId && req.excludeSeen !== false)
    for (const id of deps.state.seen(req.collection, req.userId)) exclude.add(id);

  // Routed as search routes: a request naming no fusion gets the collection's preset, or the learned model that
  // starts from it, with the preset's weights and k.
  const { baseline, ...ranking } = routeRanking(deps, req.collection, req);
  const common = {
    collection: req.collection,
    filter: req.filter,
    payloadIndexes: schema.payloadIndexes,
    userId: req.userId,
    exclude,
    limit: req.limit ?? deps.search.defaultLimit,
    offset: req.offset,
    diversity: req.diversity,
    sort: req.sort,
    ...(req.collapse ? { collapse: req.collapse } : {}),
    notes,
    timer,
    logImpression: req.logImpression,
    signal: req.signal,
  };
  if (vectors.size === 0) {
    const k = ranking.candidatesPerList ?? deps.search.candidatesPerModality;
    const trending = req.fallback === 'trending';
    const popular =
      req.fallback === 'none'
        ? []
        : await timer.time('popular', () =>
            popularList(deps, req.collection, {
              k,
              filter: req.filter,
              payloadIndexes: schema.payloadIndexes,
              exclude,
              signal: req.signal,
              order: trending ? 'trending' : 'all-time',
            }),
          );
    if (popular.length === 0) {
      if (req.fallback !== 'none')
        notes.push('nothing to fall back on: no item in this collection has engagement yet');
      return {
        queryId: (deps.newId ?? newQueryId)(),
        collection: req.collection,
        ranker: { name: 'none', version: 'none' },
        hits: [],
        sources: [],
        notes,
        timings: timer.timings,
      };
    }
    if (req.itemId || req.userId)
      notes.push(
        trending
          ? 'showing the items most engaged with lately (the trending list)'
          : "showing the collection's most engaged items (the popular list)",
      );
    // One list: the baseline fusion keeps its order (the learned model reads sources it was trained on).
    return runTwoStage(deps, {
      ...common,
      vectors,
      lists: new Map([[trending ? 'trending' : 'popular', popular]]),
      fusion: req.fusion && req.fusion !== 'model' ? req.fusion : baseline.fusion,
      weights: ranking.weights,
      rrfK: ranking.rrfK,
      candidatesPerList: k,
      ctx: { queryKind: req.itemId ? 'item' : 'user', queryModalities: [], baseline },
    });
  }
  return runTwoStage(deps, {
    ...common,
    vectors,
    ...ranking,
    ctx: { queryKind: req.itemId ? 'item' : 'user', queryModalities: [], baseline },
  });
}
