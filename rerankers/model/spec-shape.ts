import { featureNames, modalityGroups, QUERY_FEATURE_NAMES, type FeatureSpec } from '../features/index.js';
import type { ModelShape } from './layout.js';

/** The fusion model shape for a feature spec: its feature names, one gate group per source, the query features. */
export function shapeForSpec(spec: FeatureSpec): Omit<ModelShape, 'hidden'> {
  return { featureNames: featureNames(spec), queryFeatureNames: [...QUERY_FEATURE_NAMES], groups: modalityGroups(spec) };
}
