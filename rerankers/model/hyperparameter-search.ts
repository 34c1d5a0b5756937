import { Rng } from '../random.js';
import type { TrainList } from './samples.js';
import { fit, type FitOptions, type FitResult } from './trainer.js';

/** The searched hyperparameters; every other fit option stays as given. */
export interface SearchSpace {
  lr: number[];
  hidden: number[];
  ipsClip: number[];
  gateTemperature: number[];
}

export const DEFAULT_SEARCH_SPACE: SearchSpace = {
  lr: [0.003, 0.01, 0.03],
  hidden: [8, 16, 32],
  ipsClip: [5, 10, 50],
  gateTemperature: [0.5, 1, 2],
};

export interface Trial {
  params: { lr: number; hidden: number; ipsClip: number; gateTemperature: number };
  validationNdcg: number;
  bestEpoch: number;
}

export interface SearchResult {
  best: FitResult;
  bestParams: Trial['params'];
  trials: Trial[];
}

/**
 * Grid search (every combination) or random search (`trials` draws from the grid) over lr, hidden size,
 * IPS clip and gate temperature, each fit early-stopped and compared on the validation score (which must be given).
 */
export function searchHyperparameters(
  train: readonly TrainList[],
  base: FitOptions,
  o: { mode: 'grid' | 'random'; space?: Partial<SearchSpace>; trials?: number; seed?: number } = {
    mode: 'random',
  },
): SearchResult {
  if (!base.validation?.length && !base.validate)
    throw new Error('hyperparameter search needs validation lists or a validation score');
  const space = { ...DEFAULT_SEARCH_SPACE, ...o.space };
  const grid: Trial['params'][] = [];
  for (const lr of space.lr)
    for (const hidden of space.hidden)
      for (const ipsClip of space.ipsClip)
        for (const gateTemperature of space.gateTemperature)
          grid.push({ lr, hidden, ipsClip, gateTemperature });
  const candidates =
    o.mode === 'grid'
      ? grid
      : new Rng(o.seed ?? 7).shuffle([...grid]).slice(0, Math.min(grid.length, o.trials ?? 8));
  let best: { fit: FitResult; params: Trial['params'] } | undefined;
  const trials: Trial[] = [];
  for (const params of candidates) {
    const r = fit(train, { ...base, ...params });
    trials.push({ params, validationNdcg: r.validationNdcg ?? 0, bestEpoch: r.bestEpoch });
    if (!best || (r.validationNdcg ?? 0) > (best.fit.validationNdcg ?? 0))
      best = { fit: r, params };
  }
  return { best: best!.fit, bestParams: best!.params, trials };
}
