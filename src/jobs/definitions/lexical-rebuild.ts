import { z } from 'zod';
import { CollectionName } from '../../domain/collection.js';
import type { JobContext } from '../job-context.js';
import { PermanentJobError, type JobDefinition } from '../queue.js';

export const LexicalRebuildPayload = z.object({ collection: CollectionName }).strict();
export type LexicalRebuildPayload = z.infer<typeof LexicalRebuildPayload>;

/**
 * Rebuild a collection's BM25 documents from the store with its current lexical settings (after a field-weight
 * change, or to repair a lost lexical index). Safe to run again: each document is rewritten whole.
 */
export const lexicalRebuildJob: JobDefinition<
  LexicalRebuildPayload,
  { documents: number },
  JobContext
> = {
  name: 'lexical-rebuild',
  payload: LexicalRebuildPayload,
  runsIn: (ctx) => ctx.rebuildLexical !== undefined,
  async process(p, ctx, progress, signal) {
    if (!ctx.rebuildLexical)
      throw new PermanentJobError('the lexical rebuild is not available in this process');
    return ctx.rebuildLexical(p.collection, { progress, signal });
  },
};
