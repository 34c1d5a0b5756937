import { fitPositionBasedModel } from '../../rerankers/click-models/index.js';
import { buildClickthroughs } from '../feedback/training-set.js';
import { toClickSessions } from '../../rerankers/click-models/sessions.js';
import type { ChorusDb, ModelRecord } from '../storage/index.js';

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
