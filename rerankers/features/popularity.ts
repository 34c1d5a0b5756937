import { z } from 'zod';
import type { PrepareInput, PreparedFeature } from './context.js';

/** log1p of the item's engagement count (the engine fills priors.popularity); 0 without history. */
export const PopularityConfig = z.object({ type: z.literal('popularity') }).strict();
export type PopularityConfig = z.infer<typeof PopularityConfig>;

export const popularity = {
  name: () => 'popularity',
  prepare(_c: PopularityConfig, _p: PrepareInput): PreparedFeature {
    return ({ candidate }) => candidate.priors?.popularity ?? 0;
  },
};
