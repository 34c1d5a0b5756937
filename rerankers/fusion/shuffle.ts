import type { Candidate, RankedHit } from '../../src/domain/candidate.js';
import { Rng } from '../random.js';
import type { Reranker, RerankContext } from '../reranker.js';
import { explainedHit } from './explain.js';

/** Random-order baseline (the floor any ranker must beat); seeded for reproducible evaluations. */
export class ShuffleReranker implements Reranker {
  readonly name = 'shuffle';
  readonly version = 'shuffle';

  constructor(private readonly seed = 42) {}

  async rerank(candidates: Candidate[], _ctx: RerankContext): Promise<RankedHit[]> {
    const rng = new Rng(this.seed);
    const order = candidates.map((c) => ({ c, key: rng.next() })).sort((a, b) => a.key - b.key);
    return order.map(({ c }, i) => {
      const hit = explainedHit(c, {}, this.name);
      hit.score = order.length - i;
      return hit;
    });
  }
}
