import type { QueryReport, QueryStat } from '../domain/search-analytics.js';
import { queryWords } from '../domain/curations.js';
import type { EventsRepo } from '../storage/index.js';

/** Bounded scan: the newest this many events of the window are read. */
const MAX_EVENTS = 200_000;
const DAY_MS = 86_400_000;

/**
 * What people search for and where search fails them, from the logged impressions of text searches (`query`, an
 * empty `items` when nothing was found) and the clicks on them: the tuner's list of queries to fix with synonyms,
 * curations or judgments. Queries group by their words as curation rules compare them.
 */
export function queryAnalytics(
  events: Pick<EventsRepo, 'iterate'>,
  collection: string,
  o: { days?: number; size?: number; now?: number } = {},
): QueryReport {
  const days = o.days ?? 30;
  const size = o.size ?? 20;
  const from = (o.now ?? Date.now()) - days * DAY_MS;
  const searchOf = new Map<string, { query: string; empty: boolean; noText: boolean }>();
  const clicked = new Set<string>();
  for (const { event: e } of events.iterate({
    collection,
    types: ['impression', 'click'],
    from,
    limit: MAX_EVENTS,
    newestFirst: true,
  })) {
    if (e.type === 'impression') {
      // A later page of a search is its own request: counted once, by its first page.
      if (e.query === undefined || (e.items[0]?.position ?? 0) > 0) continue;
      const query = queryWords(e.query).join(' ');
      if (query)
        searchOf.set(e.queryId, {
          query,
          empty: e.items.length === 0,
          // Only the vectors answered (a search that found nothing counts under noResults).
          noText: e.noLexicalMatch === true && e.items.length > 0,
        });
    } else if (e.queryId) clicked.add(e.queryId);
  }
  const stats = new Map<string, QueryStat>();
  let empty = 0;
  for (const [queryId, s] of searchOf) {
    const q = stats.get(s.query) ?? {
      query: s.query,
      searches: 0,
      noResults: 0,
      noTextMatch: 0,
      clicked: 0,
      ctr: 0,
    };
    q.searches++;
    if (s.noText) q.noTextMatch++;
    if (s.empty) {
      q.noResults++;
      empty++;
    } else if (clicked.has(queryId)) q.clicked++;
    stats.set(s.query, q);
  }
  for (const q of stats.values()) {
    const served = q.searches - q.noResults;
    q.ctr = served > 0 ? q.clicked / served : 0;
  }
  const all = [...stats.values()];
  const byText = (a: QueryStat, b: QueryStat) => a.query.localeCompare(b.query);
  return {
    days,
    searches: searchOf.size,
    noResultRate: searchOf.size > 0 ? empty / searchOf.size : 0,
    top: all.sort((a, b) => b.searches - a.searches || byText(a, b)).slice(0, size),
    noResults: all
      .filter((q) => q.noResults > 0)
      .sort((a, b) => b.noResults - a.noResults || byText(a, b))
      .slice(0, size),
    noTextMatch: all
      .filter((q) => q.noTextMatch > 0)
      .sort((a, b) => b.noTextMatch - a.noTextMatch || byText(a, b))
      .slice(0, size),
  };
}
