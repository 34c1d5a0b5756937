import { z } from 'zod';
import type { PrepareInput, PreparedFeature } from './context.js';

/**
 * Smoothed click-through rate of the item. The engine fills priors.ctr with a Beta-prior estimate
 * ((clicks + a) / (impressions + a + b)); items without history get the prior mean a/(a+b).
 */
export const CtrConfig = z
  .object({
    type: z.literal('ctr'),
    priorClicks: z.number().nonnegative().default(1),
    priorImpressions: z.number().positive().default(20),
  })
  .strict();
export type CtrConfig = z.infer<typeof CtrConfig>;

export function smoothedCtr(
  clicks: number,
  impressions: number,
  c: Pick<CtrConfig, 'priorClicks' | 'priorImpressions'>,
): number {
  return (clicks + c.priorClicks) / (impressions + c.priorImpressions);
}

export const ctr = {
  name: () => 'ctr',
  prepare(c: CtrConfig, _p: PrepareInput): PreparedFeature {
    const prior = smoothedCtr(0, 0, c);
    return ({ candidate }) => candidate.priors?.ctr ?? prior;
  },
};
