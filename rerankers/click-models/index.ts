export type { ClickSession, ShownItem, Propensities } from './types.js';
export {
  fitPositionBasedModel,
  relativeTo,
  type PbmEmOptions,
  type PbmFit,
} from './position-based-em.js';
export { estimateFromSwaps, type SwapEstimate } from './swap-intervention.js';
export { ipsWeight, uniformPropensities } from './ips.js';
export {
  isotonicNonIncreasing,
  monotonePropensities,
  priorPropensities,
  MIN_CLICKS_PER_POSITION,
  PRIOR_ETA,
  type MonotonePropensities,
} from './monotone.js';
