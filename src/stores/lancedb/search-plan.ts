import type { Distance } from '../../domain/modality.js';
import type { Payload, VectorHit } from '../../domain/item.js';
import type { CollectionAnn, IdHit } from '../ann/collection-ann.js';
import type { PayloadCache } from '../ann/payload-cache.js';
import type { SearchPool } from '../ann/search-pool.js';
import { distanceToScore } from '../ann/vector-index.js';
import type { PayloadPredicate } from '../../domain/filter-predicate.js';

/**
 * How a filtered search runs, chosen per query from the filter's estimated selectivity as Qdrant does:
 *   exact  the filter matches few items: payloads tested in memory -> matching keys -> exact distances from the
 *          rows held for the graph (the table's prefiltered scan where they are not all in memory); small subsets
 *          are exactly where a graph walk wastes its time.
 *   graph  the filter matches many: the HNSW graph read deeper by 1/selectivity, candidates checked in memory;
 *          if too few pass, the exact plan finishes the job ('graph>exact').
 * Unfiltered searches are always 'graph' (the graph plus an exact scan of rows it has not absorbed yet).
 */
export type SearchPlan = 'graph' | 'exact' | 'graph>exact';

export interface FilterPlanOptions {
  /** Exact when at most this many items are estimated to match. */
  exactMaxCount: number;
  /** Exact when at most this share of items is estimated to match. */
  exactMaxShare: number;
  /**
   * Up to this many items a filter that needs every payload tested runs the exact plan in memory, past it in the
   * table (the test is synchronous). One answered from payload postings runs in memory whatever the size, while the
   * payload cache can hold the collection.
   */
  exactInMemoryMax: number;
}

export const FILTER_PLAN: FilterPlanOptions = {
  exactMaxCount: 2_000,
  exactMaxShare: 0.1,
  exactInMemoryMax: 100_000,
};

const SAMPLE = 256;
/**
 * Stored payloads one in-memory exact search may parse (a freshly filled cache holds JSON): past it the table
 * answers this search and the next one continues, so the first parse of 100k payloads never blocks one request.
 */
const PARSE_BUDGET = 5_000;
/** Over-fetch safety factor on top of 1/selectivity for the graph plan. */
const OVERFETCH = 1.3;

export interface PlannedSearch {
  ann: CollectionAnn;
  cache: PayloadCache;
  vector: string;
  distance: Distance;
  query: Float32Array;
  k: number;
  /** Threads for graph searches (undefined: this thread). */
  pool?: SearchPool;
  filter?: { predicate: PayloadPredicate; count: () => Promise<number> };
  options: FilterPlanOptions;
  /** Payloads of the given ids (cache first, then one batched table read); a missing id was deleted meanwhile. */
  payloads: (ids: string[]) => Promise<Map<string, Payload>>;
  /** The table's exact (prefiltered) search. */
  exact: () => Promise<VectorHit[]>;
}

export async function plannedSearch(
  a: PlannedSearch,
): Promise<{ hits: VectorHit[]; plan: SearchPlan; estimate?: number }> {
  if (!a.filter)
    return {
      hits: await attach(a, await a.ann.searchAsync(a.vector, a.query, a.k, a.pool)),
      plan: 'graph',
    };
  const live = a.ann.keys.size;
  const share =
    estimateShare(a.ann, a.cache, a.filter.predicate) ??
    (live ? (await a.filter.count()) / live : 0);
  const estimate = Math.round(share * live);
  if (estimate <= a.options.exactMaxCount || share <= a.options.exactMaxShare)
    return { hits: exactInMemory(a) ?? (await a.exact()), plan: 'exact', estimate };
  const want = Math.min(live, Math.ceil((a.k / share) * OVERFETCH) + 10);
  const candidates = await a.ann.searchAsync(a.vector, a.query, want, a.pool);
  const payloads = await a.payloads(candidates.map((c) => c.id));
  const hits: VectorHit[] = [];
  for (const c of candidates) {
    const payload = payloads.get(c.id);
    if (!payload || !a.filter.predicate(payload)) continue;
    hits.push({ id: c.id, score: distanceToScore(a.distance, c.distance), payload });
    if (hits.length === a.k) break;
  }
  // Fewer than k passed although the graph had more to give: the estimate was off, finish exactly.
  if (hits.length < a.k && candidates.length >= want && want < live)
    return { hits: exactInMemory(a) ?? (await a.exact()), plan: 'graph>exact', estimate };
  return { hits, plan: 'graph', estimate };
}

/**
 * The live keys whose payloads pass `predicate` (each then remembered by key: `ann.keys.payloadOf`), tested in memory on the event loop; undefined
 * (the table answers) for a collection larger than the payload cache or, unless payload postings answer, over
 * `exactInMemoryMax` items, when some
 * payload is not cached or still to parse past this call's budget, or past `max` matches.
 */
export function matchInMemory(
  ann: CollectionAnn,
  cache: PayloadCache,
  options: FilterPlanOptions,
  predicate: PayloadPredicate,
  max: number,
): number[] | undefined {
  if (ann.keys.size > cache.capacity) return undefined;
  const budget = { parses: PARSE_BUDGET };
  const scan = ann.keys.size <= options.exactInMemoryMax;
  return ann.matching(predicate, (id) => cache.peekWithin(id, budget), max, scan);
}

/** The exact plan without the table: the filter's matches in memory, then exact distances over their rows. */
function exactInMemory(a: PlannedSearch): VectorHit[] | undefined {
  if (!a.filter) return undefined;
  const live = a.ann.keys.size;
  const max = Math.max(a.options.exactMaxCount, Math.ceil(a.options.exactMaxShare * live)) * 2;
  const found = matchInMemory(a.ann, a.cache, a.options, a.filter.predicate, max);
  if (!found) return undefined;
  return a.ann.exactAmong(a.vector, a.query, found, a.k)?.map((h) => ({
    id: h.id,
    score: distanceToScore(a.distance, h.distance),
    payload: a.ann.keys.payloadOf(h.key)!,
  }));
}

async function attach(a: PlannedSearch, found: IdHit[]): Promise<VectorHit[]> {
  // Usually every payload is cached: attach from the cache with no id list or map per search. While the cache can
  // hold the whole collection, payloads are remembered by key too (no id lookup next time; no memory beyond the
  // cache's, whose entries they share).
  const keys = a.ann.keys.size <= a.cache.capacity ? a.ann.keys : undefined;
  const hits: VectorHit[] = [];
  for (const h of found) {
    let payload = keys?.payloadOf(h.key);
    if (payload === undefined) {
      payload = a.cache.get(h.id);
      if (!payload) return attachRead(a, found);
      keys?.rememberPayload(h.key, payload);
    }
    hits.push({ id: h.id, score: distanceToScore(a.distance, h.distance), payload });
  }
  return hits;
}

/** attach when some payload is not cached: one batched read (through `payloads`). */
async function attachRead(a: PlannedSearch, found: IdHit[]): Promise<VectorHit[]> {
  const payloads = await a.payloads(found.map((h) => h.id));
  const hits: VectorHit[] = [];
  for (const h of found) {
    const payload = payloads.get(h.id);
    if (payload) hits.push({ id: h.id, score: distanceToScore(a.distance, h.distance), payload });
  }
  return hits;
}

/** The filter's match share on a random sample of live, cached items; undefined when too few are cached. */
function estimateShare(
  ann: CollectionAnn,
  cache: PayloadCache,
  predicate: PayloadPredicate,
): number | undefined {
  const cap = ann.keys.capacity;
  if (cap === 0) return 0;
  let seen = 0;
  let matched = 0;
  for (let tries = 0; tries < SAMPLE * 4 && seen < SAMPLE; tries++) {
    const key = Math.floor(Math.random() * cap);
    const id = ann.keys.idOf(key);
    if (id === undefined) continue;
    // Remembered by key once a scan or a search saw it: no lookup in the id-keyed cache.
    const payload = ann.keys.payloadOf(key) ?? cache.peek(id);
    if (!payload) continue;
    seen++;
    if (predicate(payload)) matched++;
  }
  if (seen < 32 && seen < ann.keys.size) return undefined;
  return seen ? matched / seen : 0;
}
