import type { RankedHit } from '../domain/candidate.js';
import { cosine } from '../domain/vectors.js';

/**
 * Maximal marginal relevance (Carbonell & Goldstein 1998): greedily pick the hit maximising
 * (1 - lambda) * relevance - lambda * max similarity to those already picked. Relevance is the fused score
 * min-max normalised over the pool; similarity is the mean cosine over the vector names two items share.
 */
export function mmr(
  hits: RankedHit[],
  vectors: Map<string, Record<string, Float32Array>>,
  lambda: number,
  limit: number,
): RankedHit[] {
  if (lambda <= 0 || hits.length <= 1) return hits.slice(0, limit);
  const scores = hits.map((h) => h.score);
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const rel = (h: RankedHit) => (hi > lo ? (h.score - lo) / (hi - lo) : 1);
  const pool = [...hits];
  const picked: RankedHit[] = [];
  const maxSim = new Map<string, number>(pool.map((h) => [h.id, 0]));
  while (picked.length < limit && pool.length > 0) {
    let best = 0;
    let bestValue = -Infinity;
    pool.forEach((h, i) => {
      const value = (1 - lambda) * rel(h) - lambda * maxSim.get(h.id)!;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    });
    const [chosen] = pool.splice(best, 1);
    picked.push(chosen!);
    const cv = vectors.get(chosen!.id) ?? {};
    for (const h of pool) {
      const s = similarity(cv, vectors.get(h.id) ?? {});
      if (s > maxSim.get(h.id)!) maxSim.set(h.id, s);
    }
  }
  return picked;
}

function similarity(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  let sum = 0;
  let n = 0;
  for (const [name, v] of Object.entries(a)) {
    const w = b[name];
    if (!w) continue;
    sum += cosine(v, w);
    n++;
  }
  return n === 0 ? 0 : sum / n;
}
