import { smoothedCtr } from '../../rerankers/features/ctr.js';
import type { Candidate } from '../domain/candidate.js';
import type { FeedbackStatePort } from '../domain/feedback-port.js';
import { cosine } from '../domain/vectors.js';
import { profileVector } from '../domain/profile-math.js';
import type { VectorStore } from '../stores/vector-store.js';

export const CTR_PRIOR = { priorClicks: 1, priorImpressions: 20 };

/** Fills each candidate's smoothed CTR and popularity (log1p of engagement) from the feedback state. */
export function attachItemPriors(
  state: FeedbackStatePort,
  collection: string,
  candidates: Candidate[],
): void {
  const stats = state.itemStatsOf(
    collection,
    candidates.map((c) => c.id),
  );
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const s = stats[i];
    const ctr = smoothedCtr(s?.clicks ?? 0, s?.impressions ?? 0, CTR_PRIOR);
    const popularity = Math.log1p(Math.max(0, s?.engagement ?? 0));
    // A literal where the candidate has no priors yet (every search): spreading undefined copies generically.
    c.priors = c.priors ? { ...c.priors, ctr, popularity } : { ctr, popularity };
  }
}

/** The user's current profile direction per vector name (empty when the user has no history). */
export function userProfiles(
  state: FeedbackStatePort,
  collection: string,
  userId: string,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, acc] of state.profiles(collection, userId)) {
    const v = profileVector(acc);
    if (v) out.set(name, v);
  }
  return out;
}

/**
 * Personalisation: cosine of each candidate's vectors to the user's profile (priors.profileSim), and for the
 * baseline fusions one more ranked list, `profile`, ordering candidates by their mean profile similarity.
 */
export async function attachProfileSimilarity(
  store: VectorStore,
  collection: string,
  candidates: Candidate[],
  profiles: Map<string, Float32Array>,
  asSource: boolean,
): Promise<void> {
  if (profiles.size === 0 || candidates.length === 0) return;
  const items = await store.get(
    collection,
    candidates.map((c) => c.id),
    { withVectors: true },
  );
  const vectorsById = new Map(items.map((i) => [i.id, i.vectors]));
  const mean = new Map<string, number>();
  for (const c of candidates) {
    const vectors = vectorsById.get(c.id) ?? {};
    // hasVectors is deliberately not set here: only personalised requests fetch vectors, and the missing-modality
    // feature must mean the same on every request (training reads the rows that were served).
    const sims: Record<string, number> = {};
    for (const [name, p] of profiles) {
      const v = vectors[name];
      if (v) sims[name] = cosine(v, p);
    }
    c.priors = { ...c.priors, profileSim: sims };
    const values = Object.values(sims);
    if (values.length > 0) mean.set(c.id, values.reduce((a, b) => a + b, 0) / values.length);
  }
  if (!asSource) return;
  const ranked = [...mean].sort((a, b) => b[1] - a[1]);
  const byId = new Map(candidates.map((c) => [c.id, c]));
  ranked.forEach(([id, score], rank) => {
    byId.get(id)!.sources.profile = { source: 'profile', score, rank };
  });
}
