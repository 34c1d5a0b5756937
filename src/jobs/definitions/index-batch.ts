import { z } from 'zod';
import { JsonValue } from '../../domain/item.js';
import { indexBatch, type BatchResult } from '../../indexing/item-indexer.js';
import type { SourceItem } from '../../indexing/source-item.js';
import type { JobContext } from '../job-context.js';
import type { JobDefinition } from '../queue.js';

const Problem = z.object({ code: z.string(), reason: z.string(), path: z.string().optional() });
const SourceItemSchema: z.ZodType<SourceItem> = z.object({
  id: z.string().min(1),
  origin: z.string(),
  text: z.string().optional(),
  textPath: z.string().optional(),
  imagePath: z.string().optional(),
  audioPath: z.string().optional(),
  payloadPath: z.string().optional(),
  payload: z.record(z.string(), JsonValue).optional(),
  vectors: z.record(z.string(), z.array(z.number())).optional(),
  problem: Problem.optional(),
});

export const IndexBatchPayload = z.object({
  collection: z.string().min(1),
  /** Absolute input root the item paths are relative to. */
  root: z.string().min(1),
  items: z.array(SourceItemSchema).min(1),
  force: z.boolean().optional(),
});
export type IndexBatchPayload = z.infer<typeof IndexBatchPayload>;

/** Index one batch of discovered items (read, hash, skip unchanged, encode, upsert). Idempotent. */
export const indexBatchJob: JobDefinition<IndexBatchPayload, BatchResult, JobContext> = {
  name: 'index-batch',
  payload: IndexBatchPayload,
  process: (p, ctx) =>
    indexBatch(
      {
        store: ctx.store,
        provenance: ctx.provenance,
        encoders: ctx.encoders,
        maxFileBytes: ctx.maxFileBytes,
        afterUpsert: ctx.afterUpsert,
      },
      { collection: p.collection, root: p.root, items: p.items, force: p.force },
    ),
};
