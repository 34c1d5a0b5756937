import type { ChorusConfig } from '../config.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { JOB_DEFINITIONS } from './definitions/index.js';
import { InProcessQueue } from './in-process-queue.js';
import type { JobContext } from './job-context.js';
import type { JobQueue } from './queue.js';

/** The one queue Chorus jobs run on (bull-board shows it under this name). */
export const JOBS_QUEUE_NAME = 'chorus-jobs';

export interface CreateQueueDeps {
  /** Built lazily, on the first job this process runs. */
  context: () => Promise<JobContext> | JobContext;
  /** Where the in-process queue keeps its state (unused with Redis). */
  checkpoints: CheckpointStore;
  name?: string;
  /** Redis key prefix (BullMQ only). */
  prefix?: string;
}

/**
 * BullMQ when `redisUrl` (REDIS_URL) is set, otherwise the in-process queue with a persisted checkpoint. BullMQ
 * (and ioredis) load only then: importing them costs about half a second of CPU, which every CLI command that
 * opens a queue would otherwise pay.
 */
export async function createJobQueue(
  config: Pick<ChorusConfig, 'redisUrl' | 'jobs'>,
  deps: CreateQueueDeps,
): Promise<JobQueue> {
  const retry = { attempts: config.jobs.attempts, backoffMs: config.jobs.backoffMs };
  const name = deps.name ?? JOBS_QUEUE_NAME;
  if (config.redisUrl) {
    const { BullmqQueue } = await import('./bullmq-queue.js');
    return new BullmqQueue<JobContext>({
      name,
      redisUrl: config.redisUrl,
      definitions: JOB_DEFINITIONS,
      context: deps.context,
      retry,
      lockMs: config.jobs.lockMs,
      stalledIntervalMs: config.jobs.stalledMs,
      prefix: deps.prefix,
    });
  }
  return new InProcessQueue<JobContext>({
    name,
    definitions: JOB_DEFINITIONS,
    context: deps.context,
    checkpoints: deps.checkpoints,
    retry,
  });
}
