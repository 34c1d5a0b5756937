import { z } from 'zod';
import type { PrepareInput, PreparedFeature } from './context.js';

/** The raw similarity a stage-1 list gave the candidate; 0 when that list did not return it. */
export const SimilarityRawConfig = z
  .object({ type: z.literal('similarity_raw'), source: z.string().min(1) })
  .strict();
export type SimilarityRawConfig = z.infer<typeof SimilarityRawConfig>;

export const similarityRaw = {
  name: (c: SimilarityRawConfig) => `similarity_raw:${c.source}`,
  prepare(c: SimilarityRawConfig, { slot }: PrepareInput): PreparedFeature {
    const k = slot(c.source);
    return ({ hits }) => hits[k]?.score ?? 0;
  },
};
