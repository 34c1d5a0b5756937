import { z } from 'zod';
import type { FeatureInput, ListStats } from './context.js';
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
 * One source's contribution to the baseline fusion score, computed with exactly the arithmetic of the fusion
 * rerankers (rerankers/fusion/*.ts), so the model's untrained order is the baseline's order bit for bit.
 */
export function baselineContribution(
  source: string,
  p: { score: number; rank: number },
  list: ListStats,
  b: BaselineFusion,
): number {
  const w = weightOf(source, b.weights);
  if (b.fusion === 'rrf') return w / ((b.rrfK ?? BASELINE_RRF_K) + p.rank + 1);
  if (b.fusion === 'weighted') {
    const r = list.scoreRange.get(source);
    if (!r) return 0;
    return w * (r[1] > r[0] ? (p.score - r[0]) / (r[1] - r[0]) : 1);
  }
  const d = list.dbsf.get(source);
  if (!d) return 0;
  return w * (d.hi > d.lo ? Math.min(1, Math.max(0, (p.score - d.lo) / (d.hi - d.lo))) : 0.5);
}

/** The baseline fusion score of a candidate (its contributions summed in the candidate's source order). */
export function baselineScore(
  sources: Record<string, { score: number; rank: number }>,
  list: ListStats,
  b: BaselineFusion,
): number {
  let s = 0;
  for (const source in sources) s += baselineContribution(source, sources[source]!, list, b);
  return s;
}

/**
 * The baseline fusion score the learned model corrects: the collection's fusion (RRF, weighted or DBSF with its
 * weights; RRF k=60 without a preset), divided by the list's best so it lies in [0, 1].
 */
export const BaselineConfig = z.object({ type: z.literal('baseline') }).strict();
export type BaselineConfig = z.infer<typeof BaselineConfig>;

export const baseline = {
  name: () => 'baseline',
  value(_c: BaselineConfig, { candidate, list, ctx }: FeatureInput): number {
    return list.baselineMax > 0
      ? baselineScore(candidate.sources, list, ctx.baseline ?? DEFAULT_BASELINE) / list.baselineMax
      : 0;
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
  value(c: BaselinePartConfig, { candidate, list, ctx }: FeatureInput): number {
    const p = candidate.sources[c.source];
    if (!p || list.baselineMax <= 0) return 0;
    return (
      baselineContribution(c.source, p, list, ctx.baseline ?? DEFAULT_BASELINE) / list.baselineMax
    );
  },
};
