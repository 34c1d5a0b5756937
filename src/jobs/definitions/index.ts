import type { JobContext } from '../job-context.js';
import type { JobDefinition } from '../queue.js';
import { cfRefreshJob } from './cf-refresh.js';
import { indexBatchJob } from './index-batch.js';
import { lexicalRebuildJob } from './lexical-rebuild.js';
import { reembedCollectionJob } from './reembed-collection.js';
import { trainModelJob } from './train-model.js';

/** Every job Chorus runs; a queue is built with this list. */
export const JOB_DEFINITIONS = [
  indexBatchJob,
  reembedCollectionJob,
  cfRefreshJob,
  trainModelJob,
  lexicalRebuildJob,
] as unknown as JobDefinition<never, unknown, JobContext>[];

export { cfRefreshJob, indexBatchJob, lexicalRebuildJob, reembedCollectionJob, trainModelJob };
