import { z } from 'zod';
import type { ListStats, PrepareInput, PreparedFeature } from './context.js';
import { weightOf } from '../fusion/explain.js';

/** RRF's k when the context names none (the engine's default). */
export const BASELINE_RRF_K = 60;

/** Fusions the learned model can start from (a collection's preset; RRF when it has none). */
export const BASELINE_KINDS = ['rrf', 'weighted', 'dbsf'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

/** The collection's configured baseline fusion: its kind, per-source weights and RRF k. */
export interface BaselineFusion {
  fusion: BaselineKind;
  weights?: Record<string, number>;
  rrfK?: number;
}

export const DEFAULT_BASELINE: BaselineFusion = { fusion: 'rrf' };

/**
 * One source's contribution to the baseline fusion score over a list (its constants resolved once), computed with
 * exactly the arithmetic of the fusion rerankers (rerankers/fusion/*.ts), so the model's untrained order is the
 * baseline's order bit for bit.
 */
export function contributionOf(
  source: string,
  list: ListStats,
  b: BaselineFusion,
): (p: { score: number; rank: number }) => number {
  const w = weightOf(source, b.weights);
  if (b.fusion === 'rrf') {
    const k = b.rrfK ?? BASELINE_RRF_K;
    return (p) => w / (k + p.rank + 1);
  }
  if (b.fusion === 'weighted') {
    const r = list.scoreRange.get(source);
    if (!r) return () => 0;
    const [lo, hi] = r;
    const span = hi - lo;
    return (p) => w * (hi > lo ? (p.score - lo) / span : 1);
  }
  const d = list.dbsf.get(source);
  if (!d) return () => 0;
  const { lo, hi } = d;
  const span = hi - lo;
  return (p) => w * (hi > lo ? Math.min(1, Math.max(0, (p.score - lo) / span)) : 0.5);
}

/** The baseline fusion score of a candidate (its contributions summed in the candidate's source order). */
export function baselineScore(
  sources: Record<string, { score: number; rank: number }>,
  list: ListStats,
  b: BaselineFusion,
): number {
  return baselineScorer(list, b)(sources);
}

/** baselineScore over one list, each source's constants resolved the first time it is met (the same sums). */
export function baselineScorer(
  list: ListStats,
  b: BaselineFusion,
): (sources: Record<string, { score: number; rank: number }>) => number {
  const parts = new Map<string, (p: { score: number; rank: number }) => number>();
  return (sources) => {
    let s = 0;
    for (const source in sources) {
      let part = parts.get(source);
      if (!part) parts.set(source, (part = contributionOf(source, list, b)));
      s += part(sources[source]!);
    }
    return s;
  };
}

/**
 * The baseline fusion score the learned model corrects: the collection's fusion (RRF, weighted or DBSF with its
 * weights; RRF k=60 without a preset), divided by the list's best so it lies in [0, 1].
 */
export const BaselineConfig = z.object({ type: z.literal('baseline') }).strict();
export type BaselineConfig = z.infer<typeof BaselineConfig>;

export const baseline = {
  name: () => 'baseline',
  prepare(_c: BaselineConfig, { list }: PrepareInput): PreparedFeature {
    const max = list.baselineMax;
    // The row carries baselineScore(candidate.sources, list, the context's baseline), computed with the list's max.
    return max > 0 ? ({ baseline: score }) => score / max : () => 0;
  },
};

/**
 * One source's part of the baseline score (same scale: the parts of a row sum to its baseline feature). The
 * model's gate reweights these per query, so it starts exactly at the preset's weights.
 */
export const BaselinePartConfig = z
  .object({ type: z.literal('baseline_part'), source: z.string().min(1) })
  .strict();
export type BaselinePartConfig = z.infer<typeof BaselinePartConfig>;

export const baselinePart = {
  name: (c: BaselinePartConfig) => `baseline_part:${c.source}`,
  prepare(c: BaselinePartConfig, { list, ctx, slot }: PrepareInput): PreparedFeature {
    const k = slot(c.source);
    const max = list.baselineMax;
    if (max <= 0) return () => 0;
    const part = contributionOf(c.source, list, ctx.baseline ?? DEFAULT_BASELINE);
    return ({ hits }) => {
      const p = hits[k];
      return p ? part(p) / max : 0;
    };
  },
};
