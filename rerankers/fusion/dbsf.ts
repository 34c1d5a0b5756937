import type { Candidate, RankedHit } from '../../src/domain/candidate.js';
import type { Reranker, RerankContext } from '../reranker.js';
import { rankAndExplain, sourcesOf, weightOf } from './explain.js';

/**
 * Distribution-based score fusion (as in Qdrant): each list's scores are scaled by mean +- 3 standard
 * deviations into [0, 1] (clipped), then summed with weights. Robust to one list's outliers, unlike min-max.
 */
export class DbsfReranker implements Reranker {
  readonly name = 'dbsf';
  readonly version = 'dbsf';

  async rerank(candidates: Candidate[], ctx: RerankContext): Promise<RankedHit[]> {
    const bounds = new Map<string, { lo: number; hi: number }>();
    const used = sourcesOf(candidates);
    for (const source of used) {
      const xs = candidates
        .map((c) => c.sources[source]?.score)
        .filter((s): s is number => s !== undefined);
      const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
      bounds.set(source, { lo: mean - 3 * sd, hi: mean + 3 * sd });
    }
    return rankAndExplain(
      candidates,
      (source, p) => {
        const { lo, hi } = bounds.get(source)!;
        const norm = hi > lo ? Math.min(1, Math.max(0, (p.score - lo) / (hi - lo))) : 0.5;
        return weightOf(source, ctx.weights) * norm;
      },
      this.name,
      used,
      ctx.limit,
    );
  }
}
