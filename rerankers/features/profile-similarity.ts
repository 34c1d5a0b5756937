import { z } from 'zod';
import type { PrepareInput, PreparedFeature } from './context.js';

/** Cosine similarity of the item's vector to the user's profile vector of that name; 0 without a user or profile. */
export const ProfileSimilarityConfig = z
  .object({ type: z.literal('profile_sim'), source: z.string().min(1) })
  .strict();
export type ProfileSimilarityConfig = z.infer<typeof ProfileSimilarityConfig>;

export const profileSimilarity = {
  name: (c: ProfileSimilarityConfig) => `profile_sim:${c.source}`,
  prepare(c: ProfileSimilarityConfig, _p: PrepareInput): PreparedFeature {
    return ({ candidate }) => candidate.priors?.profileSim?.[c.source] ?? 0;
  },
};
