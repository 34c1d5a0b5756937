import type { Reranker } from '../reranker.js';
import { DbsfReranker } from './dbsf.js';
import { NoopReranker } from './noop.js';
import { RrfReranker } from './rrf.js';
import { ShuffleReranker } from './shuffle.js';
import { WeightedReranker } from './weighted.js';

export { DbsfReranker, NoopReranker, RrfReranker, ShuffleReranker, WeightedReranker };

export const BASELINE_FUSIONS = ['rrf', 'weighted', 'dbsf', 'noop', 'shuffle'] as const;
export type BaselineFusion = (typeof BASELINE_FUSIONS)[number];

/** The baseline fusions by name (no training needed); the learned model is added by the app when promoted. */
export function createBaselineRerankers(
  opts: { rrfK?: number } = {},
): Record<BaselineFusion, Reranker> {
  return {
    rrf: new RrfReranker(opts.rrfK),
    weighted: new WeightedReranker(),
    dbsf: new DbsfReranker(),
    noop: new NoopReranker(),
    shuffle: new ShuffleReranker(),
  };
}
