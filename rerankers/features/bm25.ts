import { z } from 'zod';
import type { PrepareInput, PreparedFeature } from './context.js';

/** The lexical BM25 score, log1p-compressed by default (BM25 is unbounded, unlike cosine similarities). */
export const Bm25Config = z
  .object({ type: z.literal('bm25'), transform: z.enum(['log1p', 'raw']).default('log1p') })
  .strict();
export type Bm25Config = z.infer<typeof Bm25Config>;

export const bm25 = {
  name: () => 'bm25',
  prepare(c: Bm25Config, { slot }: PrepareInput): PreparedFeature {
    const k = slot('bm25');
    if (c.transform === 'log1p') return ({ hits }) => Math.log1p(Math.max(0, hits[k]?.score ?? 0));
    return ({ hits }) => hits[k]?.score ?? 0;
  },
};
