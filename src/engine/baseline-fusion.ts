import {
  BASELINE_KINDS,
  type BaselineFusion,
  type BaselineKind,
} from '../../rerankers/features/index.js';
import type { EngineDeps, SearchDefaults } from './engine-deps.js';

/**
 * The collection's baseline fusion, which the learned model starts from and every logged row is computed against:
 * its preset's fusion when that is rrf, weighted or dbsf (with the preset's weights and k), else RRF with the
 * preset's (or the engine's) k. A request's own fusion override never changes it: rows stay comparable.
 */
export function collectionBaseline(
  defaults: SearchDefaults | undefined,
  engineRrfK: number | undefined,
): BaselineFusion {
  const kind = (BASELINE_KINDS as readonly string[]).includes(defaults?.fusion ?? '')
    ? (defaults!.fusion as BaselineKind)
    : 'rrf';
  const rrfK = defaults?.rrfK ?? engineRrfK;
  return {
    fusion: kind,
    ...(defaults?.weights ? { weights: defaults.weights } : {}),
    ...(rrfK !== undefined ? { rrfK } : {}),
  };
}

/**
 * The ranker a request that names none gets. With the learned ranker wired and the engine defaulting to it, a
 * collection whose preset is a baseline fusion is served by the `model` ranker: the promoted model, which starts
 * from that preset, or the preset itself until one is promoted. Other presets (noop) serve as they are.
 */
export function defaultFusion(
  defaults: SearchDefaults | undefined,
  o: { engineDefault: string; hasModel: boolean },
): string | undefined {
  const preset = defaults?.fusion;
  if (preset === undefined) return undefined;
  const baselineKind = (BASELINE_KINDS as readonly string[]).includes(preset);
  return baselineKind && o.hasModel && o.engineDefault === 'model' ? 'model' : preset;
}

/** What a request asks of ranking; anything it leaves out comes from the collection's preset. */
export interface RankingRequest {
  fusion?: string;
  weights?: Record<string, number>;
  rrfK?: number;
  candidates?: number;
}

/**
 * The ranking a request gets, routed the same way for search and recommend: the request's own fields, else the
 * collection's preset (a request naming no fusion goes to `model` where defaultFusion says so), and the baseline
 * its logged rows are computed against.
 */
export function routeRanking(
  deps: Pick<EngineDeps, 'search' | 'rerankers' | 'searchDefaults'>,
  collection: string,
  req: RankingRequest,
): {
  fusion: string | undefined;
  weights: Record<string, number> | undefined;
  rrfK: number | undefined;
  candidatesPerList: number | undefined;
  baseline: BaselineFusion;
} {
  const defaults = deps.searchDefaults?.(collection);
  return {
    fusion:
      req.fusion ??
      defaultFusion(defaults, {
        engineDefault: deps.search.defaultFusion,
        hasModel: deps.rerankers.get('model') !== undefined,
      }),
    weights: req.weights ?? defaults?.weights,
    rrfK: req.rrfK ?? defaults?.rrfK,
    candidatesPerList: req.candidates ?? defaults?.candidates,
    baseline: collectionBaseline(defaults, deps.search.rrfK),
  };
}
