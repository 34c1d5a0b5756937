import type { Candidate, RankedHit } from '../../src/domain/candidate.js';
import type { Reranker, RerankContext } from '../reranker.js';
import { rankAndExplain, sourcesOf, weightOf } from './explain.js';

/** Reciprocal rank fusion (Cormack et al. 2009): sum over lists of w / (k + rank), rank 1-based. */
export class RrfReranker implements Reranker {
  readonly name = 'rrf';
  readonly version = 'rrf';

  constructor(private readonly defaultK = 60) {}

  async rerank(candidates: Candidate[], ctx: RerankContext): Promise<RankedHit[]> {
    const k = ctx.rrfK ?? this.defaultK;
    const used = sourcesOf(candidates);
    return rankAndExplain(
      candidates,
      (source, p) => weightOf(source, ctx.weights) / (k + p.rank + 1),
      this.name,
      used,
      ctx.limit,
      { rankOnly: true },
    );
  }
}
