import { z } from 'zod';
import { CollectionName } from '../../domain/collection.js';
import type { JobContext } from '../job-context.js';
import { PermanentJobError, type JobDefinition } from '../queue.js';

export const CfRefreshPayload = z.object({ collection: CollectionName });
export type CfRefreshPayload = z.infer<typeof CfRefreshPayload>;

/** Recompute the collaborative-filtering vectors of a collection from the logged interactions. */
export const cfRefreshJob: JobDefinition<CfRefreshPayload, unknown, JobContext> = {
  name: 'cf-refresh',
  payload: CfRefreshPayload,
  runsIn: (ctx) => ctx.cfRefresh !== undefined,
  async process(p, ctx) {
    if (!ctx.cfRefresh)
      throw new PermanentJobError(
        'the collaborative-filtering refresh is not available in this process',
      );
    return (await ctx.cfRefresh(p.collection)) ?? null;
  },
};
