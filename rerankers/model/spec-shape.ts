import {
  coverageIndex,
  featureNames,
  modalityGroups,
  QUERY_FEATURE_NAMES,
  type FeatureSpec,
} from '../features/index.js';
import type { ModelShape } from './layout.js';

/** Default bound of the residual, in score units (the baseline term spans about INITIAL_BASELINE_WEIGHT = 5). */
export const DEFAULT_RESIDUAL_CAP = 1;

/**
 * The fusion model shape for a feature spec: its feature names, one gate group per source (masked by that
 * source's coverage), the query features, the baseline feature and its per-source parts when the spec has them
 * (`baseline` names the collection's fusion they were logged under) and each source's normalised score (the
 * score-based fusion family the model may weigh in per query), the residual bound, and
 * the item-prior features left inert unless `itemPriors` is set.
 */
export function shapeForSpec(
  spec: FeatureSpec,
  residualCap = DEFAULT_RESIDUAL_CAP,
  o: { itemPriors?: boolean; baseline?: string } = {},
): Omit<ModelShape, 'hidden'> {
  const names = featureNames(spec);
  const groups = modalityGroups(spec);
  const b = spec.features.findIndex((f) => f.type === 'baseline');
  const mask = groups.map((g) => coverageIndex(g.name));
  const parts = groups.map((g) =>
    spec.features.findIndex((f) => f.type === 'baseline_part' && f.source === g.name),
  );
  const norms = groups.map((g) =>
    spec.features.findIndex((f) => f.type === 'similarity_norm' && f.source === g.name),
  );
  // Item priors (CTR, popularity) say how an item did on every query, not on this one; in a log they also carry a
  // query's own earlier clicks, which leaks into any validation. Not read unless asked for.
  const inert = o.itemPriors
    ? []
    : spec.features.flatMap((f, i) => (f.type === 'ctr' || f.type === 'popularity' ? [i] : []));
  return {
    featureNames: names,
    queryFeatureNames: [...QUERY_FEATURE_NAMES],
    groups,
    ...(b >= 0
      ? {
          baseline: {
            feature: b,
            fusion: o.baseline ?? 'rrf',
            ...(parts.some((i) => i >= 0) ? { parts } : {}),
            ...(parts.some((i) => i >= 0) && norms.some((i) => i >= 0)
              ? { scoreParts: norms }
              : {}),
          },
          residualCap,
        }
      : {}),
    ...(mask.every((i) => i >= 0) ? { gateMask: mask } : {}),
    ...(inert.length ? { inert } : {}),
  };
}
