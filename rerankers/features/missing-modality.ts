import { z } from 'zod';
import type { PrepareInput, PreparedFeature } from './context.js';

/**
 * 1 when the item has no vector of that name (so its missing similarity is not evidence against it).
 * Without `hasVectors` the engine could not tell: fall back to "the list did not return it".
 */
export const MissingModalityConfig = z
  .object({ type: z.literal('missing'), source: z.string().min(1) })
  .strict();
export type MissingModalityConfig = z.infer<typeof MissingModalityConfig>;

export const missingModality = {
  name: (c: MissingModalityConfig) => `missing:${c.source}`,
  prepare(c: MissingModalityConfig, { slot }: PrepareInput): PreparedFeature {
    const k = slot(c.source);
    return ({ candidate, hits }) => {
      if (candidate.hasVectors) return candidate.hasVectors.includes(c.source) ? 0 : 1;
      return hits[k] ? 0 : 1;
    };
  },
};
