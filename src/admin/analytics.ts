import { fitPositionBasedModel } from '../../rerankers/click-models/index.js';
import { buildClickthroughs } from '../feedback/training-set.js';
import { toClickSessions } from '../../rerankers/click-models/sessions.js';
import type { ChorusDb, ModelRecord } from '../storage/index.js';
import { queryWords } from '../domain/curations.js';

/** Bounded scans: the admin charts read at most this many recent events. */
const MAX_EVENTS = 200_000;

export interface CtrSeries {
  /** Day start (UTC), epoch seconds (uPlot's x unit); only days with impressions. */
  t: number[];
  impressions: number[];
  /** Impressions with at least one click. */
  clicked: number[];
  ctr: number[];
}

const DAY_MS = 86_400_000;

/**
 * Click-through rate per day: the share of impressions (served lists) that got at least one click, joined on
 * queryId. Days without impressions are left out rather than drawn as zeros; the most recent `maxDays` are kept.
 */
export function ctrOverTime(
  db: ChorusDb,
  collection: string,
  maxDays = 90,
  maxEvents = MAX_EVENTS,
): CtrSeries {
  const impressionDay = new Map<string, number>();
  const clickedQueries = new Set<string>();
  for (const { event: e } of db.events.iterate({
    collection,
    types: ['impression', 'click'],
    limit: maxEvents,
    newestFirst: true,
  })) {
    // A search that found nothing is logged (query analytics) but is no served list to click.
    if (e.type === 'impression' && e.items.length > 0)
      impressionDay.set(e.queryId, Math.floor(e.timestamp / DAY_MS));
    else if (e.queryId) clickedQueries.add(e.queryId);
  }
  const days = new Map<number, { n: number; clicked: number }>();
  for (const [queryId, day] of impressionDay) {
    const d = days.get(day) ?? { n: 0, clicked: 0 };
    d.n++;
    if (clickedQueries.has(queryId)) d.clicked++;
    days.set(day, d);
  }
  const sorted = [...days.entries()].sort((a, b) => a[0] - b[0]).slice(-maxDays);
  return {
    t: sorted.map(([day]) => (day * DAY_MS) / 1000),
    impressions: sorted.map(([, d]) => d.n),
    clicked: sorted.map(([, d]) => d.clicked),
    ctr: sorted.map(([, d]) => d.clicked / d.n),
  };
}

export interface PositionBias {
  positions: number[];
  /** Relative examination (position 1 = 1) from a position-based click model fitted by EM on the logs. */
  estimated: number[];
  /** Raw click rate per position, for contrast (confounds bias with relevance). */
  rawCtr: number[];
  sessions: number;
  source: 'em' | 'model' | 'none';
}

/** The estimated position-bias curve: the promoted model's training propensities, else EM on the logs. */
export function positionBias(
  db: ChorusDb,
  collection: string,
  model?: ModelRecord,
  maxPositions = 10,
): PositionBias {
  const events = (function* () {
    // The newest events: a log past the limit would otherwise show its oldest days.
    for (const e of db.events.iterate({ collection, limit: MAX_EVENTS, newestFirst: true }))
      yield e.event;
  })();
  const sessions = toClickSessions(buildClickthroughs(events, { dropUnclicked: false }));
  const shown = new Array<number>(maxPositions).fill(0);
  const clicks = new Array<number>(maxPositions).fill(0);
  for (const s of sessions) {
    for (const i of s.items) {
      if (i.position >= maxPositions) continue;
      shown[i.position]!++;
      if (i.clicked) clicks[i.position]!++;
    }
  }
  const rawCtr = shown.map((n, p) => (n > 0 ? clicks[p]! / n : 0));
  const positions = rawCtr.map((_, p) => p + 1);
  const fromModel = model?.metrics.propensities;
  if (Array.isArray(fromModel) && fromModel.length > 0) {
    const p0 = Number(fromModel[0]) || 1;
    const estimated = fromModel.slice(0, maxPositions).map((v) => Number(v) / p0);
    return {
      positions: positions.slice(0, estimated.length),
      estimated,
      rawCtr: rawCtr.slice(0, estimated.length),
      sessions: sessions.length,
      source: 'model',
    };
  }
  if (!sessions.some((s) => s.items.some((i) => i.clicked)))
    return { positions, estimated: [], rawCtr, sessions: sessions.length, source: 'none' };
  const fit = fitPositionBasedModel(sessions, { maxPositions, relevance: 'pairs', iterations: 30 });
  return {
    positions,
    estimated: Array.from(fit.relative).slice(0, maxPositions),
    rawCtr,
    sessions: sessions.length,
    source: 'em',
  };
}

/** Offline nDCG of each model version against its creation time (the registry's own validation metric). */
export function ndcgOverTime(models: readonly ModelRecord[]): {
  t: number[];
  ndcg: number[];
  versions: string[];
} {
  const rows = models
    .map((m) => ({
      at: m.createdAt,
      t: Math.round(m.createdAt / 1000),
      v: m.version,
      n: Number(m.metrics.validationNdcg10 ?? m.metrics.ndcg10 ?? NaN),
    }))
    .filter((r) => Number.isFinite(r.n))
    // Registered in the same millisecond: v2 after v1 (numeric-aware), not in whatever order the list came.
    .sort((a, b) => a.at - b.at || a.v.localeCompare(b.v, 'en', { numeric: true }));
  // uPlot needs strictly increasing x: versions registered within the same second are nudged apart.
  for (let i = 1; i < rows.length; i++)
    if (rows[i]!.t <= rows[i - 1]!.t) rows[i]!.t = rows[i - 1]!.t + 1;
  return { t: rows.map((r) => r.t), ndcg: rows.map((r) => r.n), versions: rows.map((r) => r.v) };
}

export interface QueryStat {
  /** The query's words as curation rules compare them (case, width and punctuation aside). */
  query: string;
  searches: number;
  /** Searches that found nothing. */
  noResults: number;
  /** Searches whose text no BM25 document matched (only the vectors answered): candidates for synonyms. */
  noTextMatch: number;
  /** Of the searches with results, those with at least one click. */
  clicked: number;
  /** clicked / (searches - noResults); 0 when every search found nothing. */
  ctr: number;
}

export interface QueryReport {
  days: number;
  /** Text searches logged in the window (of the newest MAX_EVENTS events). */
  searches: number;
  /** Share of them that found nothing. */
  noResultRate: number;
  /** Most searched first. */
  top: QueryStat[];
  /** Queries that found nothing at least once, most often first. */
  noResults: QueryStat[];
  /** Queries no BM25 document matched at least once (vectors answered alone), most often first. */
  noTextMatch: QueryStat[];
}

/**
 * What people search for and where search fails them, from the logged impressions of text searches (`query`, an
 * empty `items` when nothing was found) and the clicks on them: the tuner's list of queries to fix with synonyms,
 * curations or judgments. Queries group by their words as curation rules compare them.
 */
export function queryAnalytics(
  db: ChorusDb,
  collection: string,
  o: { days?: number; size?: number; now?: number } = {},
): QueryReport {
  const days = o.days ?? 30;
  const size = o.size ?? 20;
  const from = (o.now ?? Date.now()) - days * DAY_MS;
  const searchOf = new Map<string, { query: string; empty: boolean; noText: boolean }>();
  const clicked = new Set<string>();
  for (const { event: e } of db.events.iterate({
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
