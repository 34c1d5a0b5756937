import { z } from 'zod';
import type { PrepareInput, PreparedFeature } from './context.js';

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
  prepare(c: RankConfig, { slot }: PrepareInput): PreparedFeature {
    const k = slot(c.source);
    if (c.transform === 'reciprocal')
      return ({ hits }) => {
        const p = hits[k];
        return p ? 1 / (p.rank + 1) : 0;
      };
    return ({ hits }) => {
      const p = hits[k];
      return p ? 1 / Math.log2(p.rank + 2) : 0;
    };
  },
};
