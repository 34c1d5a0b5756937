import { z } from 'zod';
import type { PrepareInput, PreparedFeature } from './context.js';

/**
 * Min-max normalised similarity within the candidate list, per source: 1 for the list's best, 0 for its worst
 * (and for candidates the source did not return). Makes scores of different encoders comparable.
 */
export const SimilarityNormalizedConfig = z
  .object({ type: z.literal('similarity_norm'), source: z.string().min(1) })
  .strict();
export type SimilarityNormalizedConfig = z.infer<typeof SimilarityNormalizedConfig>;

export const similarityNormalized = {
  name: (c: SimilarityNormalizedConfig) => `similarity_norm:${c.source}`,
  prepare(c: SimilarityNormalizedConfig, { list, slot }: PrepareInput): PreparedFeature {
    const k = slot(c.source);
    const r = list.scoreRange.get(c.source);
    if (!r) return () => 0;
    const lo = r[0];
    const span = r[1] - r[0];
    // A single candidate (or ties only) carries no ordering information: give it full credit.
    return ({ hits }) => {
      const p = hits[k];
      if (!p) return 0;
      return span > 0 ? (p.score - lo) / span : 1;
    };
  },
};
