import type { Candidate, RankedHit } from '../../src/domain/candidate.js';
import type { Reranker, RerankContext } from '../reranker.js';
import { byScore, explainedHit, sourcesOf } from './explain.js';

/**
 * Baseline that does no fusion: each candidate keeps its best stage-1 rank. The score is that rank's reciprocal
 * 1/(rank+1) (same order as the rank itself, never a negative number shown as a score); the explanation names
 * the list it came from as its rank contribution.
 */
export class NoopReranker implements Reranker {
  readonly name = 'noop';
  readonly version = 'noop';

  async rerank(candidates: Candidate[], _ctx: RerankContext): Promise<RankedHit[]> {
    const used = sourcesOf(candidates);
    return byScore(
      candidates.map((c) => {
        let best: [string, number] | undefined;
        for (const [source, p] of Object.entries(c.sources))
          if (!best || p.rank < best[1]) best = [source, p.rank];
        return explainedHit(c, best ? { [best[0]]: 1 / (best[1] + 1) } : {}, this.name, used, {
          rankOnly: true,
        });
      }),
    );
  }
}
