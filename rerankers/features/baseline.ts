import { z } from 'zod';
import type { FeatureInput } from './context.js';

/** RRF's k for the baseline feature (the engine's default fusion). */
export const BASELINE_RRF_K = 60;

/**
 * The baseline fusion score the learned model corrects: reciprocal rank fusion over every stage-1 list
 * (sum of 1/(k + rank + 1)), divided by the list's best so it lies in (0, 1] whatever the number of lists.
 * The model's score is this plus a learned correction, so an untrained model ranks exactly as RRF does.
 */
export const BaselineConfig = z
  .object({ type: z.literal('baseline'), fusion: z.literal('rrf').default('rrf') })
  .strict();
export type BaselineConfig = z.infer<typeof BaselineConfig>;

export function rrfScore(sources: Record<string, { rank: number }>, k = BASELINE_RRF_K): number {
  let s = 0;
  for (const key in sources) s += 1 / (k + sources[key]!.rank + 1);
  return s;
}

export const baseline = {
  name: () => 'baseline',
  value(_c: BaselineConfig, { candidate, list }: FeatureInput): number {
    return list.rrfMax > 0 ? rrfScore(candidate.sources) / list.rrfMax : 0;
  },
};
