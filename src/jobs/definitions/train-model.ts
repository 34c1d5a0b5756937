import { z } from 'zod';
import { CollectionName, ModelVersion } from '../../domain/names.js';
import { ChorusError } from '../../errors.js';
import type { JobContext } from '../job-context.js';
import { PermanentJobError, SHUTDOWN_REASON, type JobDefinition } from '../queue.js';

/** What a training job fits (POST /v1/models/train, POST /v1/jobs `train-model`, the admin UI's Train). */
export const TrainModelPayload = z
  .object({
    collection: CollectionName,
    version: ModelVersion.optional(),
    loss: z.enum(['listwise', 'pairwise']).default('listwise'),
    hidden: z.number().int().min(0).max(512).optional(),
    lr: z.number().positive().max(1).optional(),
    epochs: z.number().int().min(1).max(500).optional(),
    ipsClip: z.number().min(1).max(1000).optional(),
    gateTemperature: z.number().positive().max(100).optional(),
    search: z.enum(['none', 'grid', 'random']).default('none'),
    trials: z.number().int().min(1).max(200).optional(),
    seed: z.number().int().optional(),
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
    promote: z.boolean().default(false),
    notes: z.string().max(1000).optional(),
  })
  .strict()
  .refine((b) => b.from === undefined || b.to === undefined || b.from < b.to, {
    message: 'from must be before to',
    path: ['from'],
  })
  .meta({ id: 'TrainModelRequest' });
export type TrainModelPayload = z.output<typeof TrainModelPayload>;

/** How `promote: true` ended: the model is registered either way; the guard may refuse to serve it. */
export type PromotionOutcome =
  | { promoted: true; previous: string | null; forced: boolean; comparison: unknown }
  | { promoted: false; code: string; message: string; comparison?: unknown };

/** A finished training job's result: the registered model as clients see it, and the promotion, if asked. */
export interface TrainModelResult {
  model: Record<string, unknown> & { version: string };
  promotion?: PromotionOutcome;
}

/** Fits and registers one model; provided by the process that holds the model registry (the server). */
export type ModelTrainer = (
  req: TrainModelPayload,
  opts: { signal: AbortSignal },
) => Promise<TrainModelResult>;

/**
 * A training failure's reason keeps the error's code in front ("CODE: message"), so job status can show
 * `error: { code, message }`; anything but a ChorusError is reported without its details (paths, stacks).
 */
export function trainingFailure(e: unknown): string {
  return e instanceof ChorusError ? `${e.code}: ${e.message}` : 'INTERNAL: training failed';
}

/**
 * Train the fusion reranker on a collection's logged feedback. Failures are not retried (a fit is minutes of CPU
 * and a retry rarely helps), except a fit stopped by the worker shutting down: the job stays waiting and the
 * next server start runs it again. A cancel aborts the fit's worker thread, so nothing is registered.
 */
export const trainModelJob: JobDefinition<TrainModelPayload, TrainModelResult, JobContext> = {
  name: 'train-model',
  payload: TrainModelPayload as unknown as z.ZodType<TrainModelPayload>,
  runsIn: (ctx) => ctx.trainer !== undefined,
  async process(p, ctx, _progress, signal = new AbortController().signal) {
    if (!ctx.trainer)
      throw new PermanentJobError(
        'UNAVAILABLE: training needs the model registry (start with `chorus serve`)',
      );
    try {
      return await ctx.trainer(p, { signal });
    } catch (e) {
      if (signal.aborted && signal.reason === SHUTDOWN_REASON)
        throw new Error('training interrupted by a shutdown: it runs again at the next start', {
          cause: e,
        });
      throw new PermanentJobError(trainingFailure(e));
    }
  },
};
