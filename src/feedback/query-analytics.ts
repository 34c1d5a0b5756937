import type { QueryReport, QueryStat } from '../domain/search-analytics.js';
import { queryWords } from '../domain/curations.js';
import type { EventsRepo } from '../storage/index.js';

/** Bounded scan: the newest this many events of the window are read. */
const MAX_EVENTS = 200_000;
const DAY_MS = 86_400_000;
/** Searches with results a query needs before its click-through rate ranks it among the low ones. */
export const LOW_CTR_MIN_SEARCHES = 5;

/**
 * What people search for and where search fails them, from the logged impressions of text searches (`query`, an
 * empty `items` when nothing was found), the clicks on them (where) and the purchases they led to: the tuner's list of
 * queries to fix with synonyms, curations or judgments. Queries group by their words as curation rules compare them.
 */
export function queryAnalytics(
  events: Pick<EventsRepo, 'iterate'>,
  collection: string,
  o: { days?: number; size?: number; minSearches?: number; now?: number } = {},
): QueryReport {
  const days = o.days ?? 30;
  const size = o.size ?? 20;
  const minSearches = o.minSearches ?? LOW_CTR_MIN_SEARCHES;
  const from = (o.now ?? Date.now()) - days * DAY_MS;
  const searchOf = new Map<string, SearchSeen>();
  // Newest first: a search's clicks and purchases are read before its impression.
  const clicksOf = new Map<string, { itemId: string; position?: number }[]>();
  const purchased = new Set<string>();
  for (const { event: e } of events.iterate({
    collection,
    types: ['impression', 'click', 'purchase'],
    from,
    limit: MAX_EVENTS,
    newestFirst: true,
  })) {
    if (e.type === 'impression') {
      // A later page of a search is its own request: counted once, by its first page.
      if (e.query === undefined || (e.items[0]?.position ?? 0) > 0) continue;
      const query = queryWords(e.query).join(' ');
      if (!query) continue;
      const clicks = clicksOf.get(e.queryId) ?? [];
      const shownAt = new Map(e.items.map((i) => [i.id, i.position]));
      searchOf.set(e.queryId, {
        query,
        empty: e.items.length === 0,
        // Only the vectors answered (a search that found nothing counts under noResults).
        noText: e.noLexicalMatch === true && e.items.length > 0,
        clicked: clicks.length > 0,
        // 1-based, where the page showed the item (the click's own position when it says one).
        positions: clicks.flatMap((c) => {
          const at = c.position ?? shownAt.get(c.itemId);
          return at === undefined ? [] : [at + 1];
        }),
        converted: purchased.has(e.queryId),
      });
    } else if (e.queryId) {
      if (e.type === 'purchase') purchased.add(e.queryId);
      else if (e.type === 'click') {
        const list = clicksOf.get(e.queryId) ?? [];
        list.push({
          itemId: e.itemId,
          ...(e.position !== undefined ? { position: e.position } : {}),
        });
        clicksOf.set(e.queryId, list);
      }
    }
  }
  const stats = new Map<string, QueryStat & { positionSum: number; positionCount: number }>();
  let empty = 0;
  for (const s of searchOf.values()) {
    const q = stats.get(s.query) ?? {
      query: s.query,
      searches: 0,
      noResults: 0,
      noTextMatch: 0,
      clicked: 0,
      ctr: 0,
      clickPosition: null,
      converted: 0,
      conversionRate: 0,
      positionSum: 0,
      positionCount: 0,
    };
    q.searches++;
    if (s.noText) q.noTextMatch++;
    if (s.empty) {
      q.noResults++;
      empty++;
    } else {
      if (s.clicked) q.clicked++;
      if (s.converted) q.converted++;
      for (const p of s.positions) q.positionSum += p;
      q.positionCount += s.positions.length;
    }
    stats.set(s.query, q);
  }
  const all: QueryStat[] = [...stats.values()].map(({ positionSum, positionCount, ...q }) => {
    const served = q.searches - q.noResults;
    return {
      ...q,
      ctr: served > 0 ? q.clicked / served : 0,
      conversionRate: served > 0 ? q.converted / served : 0,
      clickPosition: positionCount > 0 ? positionSum / positionCount : null,
    };
  });
  const byText = (a: QueryStat, b: QueryStat) => a.query.localeCompare(b.query);
  return {
    days,
    searches: searchOf.size,
    noResultRate: searchOf.size > 0 ? empty / searchOf.size : 0,
    top: [...all].sort((a, b) => b.searches - a.searches || byText(a, b)).slice(0, size),
    noResults: all
      .filter((q) => q.noResults > 0)
      .sort((a, b) => b.noResults - a.noResults || byText(a, b))
      .slice(0, size),
    noTextMatch: all
      .filter((q) => q.noTextMatch > 0)
      .sort((a, b) => b.noTextMatch - a.noTextMatch || byText(a, b))
      .slice(0, size),
    // Searched often enough for the rate to mean something, and rarely clicked: results that miss the intent.
    lowCtr: all
      .filter((q) => q.searches - q.noResults >= minSearches)
      .sort(
        (a, b) =>
          a.ctr - b.ctr || b.searches - b.noResults - (a.searches - a.noResults) || byText(a, b),
      )
      .slice(0, size),
  };
}

interface SearchSeen {
  query: string;
  empty: boolean;
  noText: boolean;
  clicked: boolean;
  /** 1-based positions of its clicks. */
  positions: number[];
  /** Followed by a purchase naming its query id. */
  converted: boolean;
}
