import type { Candidate, RankedHit } from '../../src/domain/candidate.js';
import type { Reranker, RerankContext } from '../reranker.js';
import { byScore, explainedHit } from './explain.js';

/** Baseline that does no fusion: each candidate keeps its best stage-1 rank (score = -best rank). */
export class NoopReranker implements Reranker {
  readonly name = 'noop';
  readonly version = 'noop';

  async rerank(candidates: Candidate[], _ctx: RerankContext): Promise<RankedHit[]> {
    return byScore(
      candidates.map((c) => {
        let best: [string, number] | undefined;
        for (const [source, p] of Object.entries(c.sources)) if (!best || p.rank < best[1]) best = [source, p.rank];
        const hit = explainedHit(c, best ? { [best[0]]: 1 } : {}, this.name);
        hit.score = best ? -best[1] : -Infinity;
        return hit;
      }),
    );
  }
}
