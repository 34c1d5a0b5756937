import type { Candidate, RankedHit } from '../../src/domain/candidate.js';
import type { Reranker, RerankContext } from '../reranker.js';
import { rankAndExplain, sourcesOf, weightOf } from './explain.js';

/**
 * Weighted sum of min-max normalised scores per list (a candidate missing from a list gets 0 there).
 * Min-max makes cosine similarities and unbounded BM25 scores comparable before weighting.
 */
export class WeightedReranker implements Reranker {
  readonly name = 'weighted';
  readonly version = 'weighted';

  async rerank(candidates: Candidate[], ctx: RerankContext): Promise<RankedHit[]> {
    const range = new Map<string, { min: number; max: number }>();
    const used = sourcesOf(candidates);
    for (const source of used) {
      let min = Infinity;
      let max = -Infinity;
      for (const c of candidates) {
        const s = c.sources[source]?.score;
        if (s === undefined) continue;
        min = Math.min(min, s);
        max = Math.max(max, s);
      }
      range.set(source, { min, max });
    }
    return rankAndExplain(
      candidates,
      (source, p) => {
        const r = range.get(source)!;
        // A single-valued list carries no spread: every member counts fully.
        const norm = r.max > r.min ? (p.score - r.min) / (r.max - r.min) : 1;
        return weightOf(source, ctx.weights) * norm;
      },
      this.name,
      used,
      ctx.limit,
    );
  }
}
