import { fitPositionBasedModel } from '../feedback/click-models/index.js';
import { buildClickthroughs, toClickSessions } from '../feedback/training-set.js';
import type { ChorusDb, ModelRecord } from '../storage/index.js';

/** Bounded scans: the admin charts read at most this many recent events. */
const MAX_EVENTS = 200_000;

export interface CtrSeries {
  /** Bucket start, epoch seconds (uPlot's x unit). */
  t: number[];
  impressions: number[];
  clicks: number[];
  ctr: (number | null)[];
}

/** Click-through rate over time: clicks / impressed lists per bucket (about `buckets` equal spans). */
export function ctrOverTime(db: ChorusDb, collection: string, buckets = 24): CtrSeries {
  const events = [...db.events.iterate({ collection, types: ['impression', 'click'], limit: MAX_EVENTS })].map((e) => e.event);
  const out: CtrSeries = { t: [], impressions: [], clicks: [], ctr: [] };
  if (events.length === 0) return out;
  const lo = Math.min(...events.map((e) => e.timestamp));
  const hi = Math.max(...events.map((e) => e.timestamp));
  const span = Math.max(1, Math.ceil((hi - lo + 1) / buckets));
  const n = Math.ceil((hi - lo + 1) / span);
  const imp = new Array<number>(n).fill(0);
  const clk = new Array<number>(n).fill(0);
  for (const e of events) {
    const b = Math.min(n - 1, Math.floor((e.timestamp - lo) / span));
    if (e.type === 'impression') imp[b]!++;
    else clk[b]!++;
  }
  for (let b = 0; b < n; b++) {
    out.t.push(Math.round((lo + b * span) / 1000));
    out.impressions.push(imp[b]!);
    out.clicks.push(clk[b]!);
    out.ctr.push(imp[b]! > 0 ? clk[b]! / imp[b]! : null);
  }
  return out;
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
export function positionBias(db: ChorusDb, collection: string, model?: ModelRecord, maxPositions = 10): PositionBias {
  const events = (function* () {
    for (const e of db.events.iterate({ collection, limit: MAX_EVENTS })) yield e.event;
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
    return { positions: positions.slice(0, estimated.length), estimated, rawCtr: rawCtr.slice(0, estimated.length), sessions: sessions.length, source: 'model' };
  }
  if (!sessions.some((s) => s.items.some((i) => i.clicked))) return { positions, estimated: [], rawCtr, sessions: sessions.length, source: 'none' };
  const fit = fitPositionBasedModel(sessions, { maxPositions, relevance: 'pairs', iterations: 30 });
  return { positions, estimated: Array.from(fit.relative).slice(0, maxPositions), rawCtr, sessions: sessions.length, source: 'em' };
}

/** Offline nDCG of each model version against its creation time (the registry's own validation metric). */
export function ndcgOverTime(models: readonly ModelRecord[]): { t: number[]; ndcg: number[]; versions: string[] } {
  const rows = models
    .map((m) => ({ t: Math.round(m.createdAt / 1000), v: m.version, n: Number(m.metrics.validationNdcg10 ?? m.metrics.ndcg10 ?? NaN) }))
    .filter((r) => Number.isFinite(r.n))
    .sort((a, b) => a.t - b.t);
  return { t: rows.map((r) => r.t), ndcg: rows.map((r) => r.n), versions: rows.map((r) => r.v) };
}
