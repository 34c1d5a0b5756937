import { coverageIndex, featureNames, modalityGroups, QUERY_FEATURE_NAMES, type FeatureSpec } from '../features/index.js';
import type { ModelShape } from './layout.js';

/** Default bound of the residual, in score units (the baseline term spans about INITIAL_BASELINE_WEIGHT = 5). */
export const DEFAULT_RESIDUAL_CAP = 1;

/**
 * The fusion model shape for a feature spec: its feature names, one gate group per source (masked by that
 * source's coverage), the query features, the baseline feature when the spec has one, and the residual bound.
 */
export function shapeForSpec(spec: FeatureSpec, residualCap = DEFAULT_RESIDUAL_CAP): Omit<ModelShape, 'hidden'> {
  const names = featureNames(spec);
  const groups = modalityGroups(spec);
  const b = spec.features.findIndex((f) => f.type === 'baseline');
  const mask = groups.map((g) => coverageIndex(g.name));
  return {
    featureNames: names,
    queryFeatureNames: [...QUERY_FEATURE_NAMES],
    groups,
    ...(b >= 0 ? { baseline: { feature: b, fusion: 'rrf' }, residualCap } : {}),
    ...(mask.every((i) => i >= 0) ? { gateMask: mask } : {}),
  };
}
