import type { FeatureRowShape } from '../../src/domain/feature-rows.js';
import {
  defaultFeatureSpec,
  FEATURE_SPEC_VERSION,
  featureNames,
  QUERY_FEATURE_NAMES,
} from './index.js';

/** Shape of the running spec's rows: a logged impression is trainable only when its rows have it (and are bounded). */
export const FEATURE_ROW_SHAPE: FeatureRowShape = {
  specVersion: FEATURE_SPEC_VERSION,
  item: featureNames(defaultFeatureSpec()).length,
  query: QUERY_FEATURE_NAMES.length,
};
