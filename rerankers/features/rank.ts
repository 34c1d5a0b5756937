import { z } from 'zod';
import type { FeatureInput } from './context.js';

/** Rank in a stage-1 list as 1/(rank+1) or 1/log2(rank+2); 0 when the list did not return the candidate. */
export const RankConfig = z
  .object({
    type: z.literal('rank'),
    source: z.string().min(1),
    transform: z.enum(['reciprocal', 'log']).default('reciprocal'),
  })
  .strict();
export type RankConfig = z.infer<typeof RankConfig>;

export const rank = {
  name: (c: RankConfig) => `rank:${c.source}`,
  value(c: RankConfig, { candidate }: FeatureInput): number {
    const p = candidate.sources[c.source];
    if (!p) return 0;
    return c.transform === 'reciprocal' ? 1 / (p.rank + 1) : 1 / Math.log2(p.rank + 2);
  },
};
