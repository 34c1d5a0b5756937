import { z } from 'zod';
import type { FeatureInput } from './context.js';

/** The lexical BM25 score, log1p-compressed by default (BM25 is unbounded, unlike cosine similarities). */
export const Bm25Config = z
  .object({ type: z.literal('bm25'), transform: z.enum(['log1p', 'raw']).default('log1p') })
  .strict();
export type Bm25Config = z.infer<typeof Bm25Config>;

export const bm25 = {
  name: () => 'bm25',
  value(c: Bm25Config, { candidate }: FeatureInput): number {
    const s = candidate.sources.bm25?.score ?? 0;
    return c.transform === 'log1p' ? Math.log1p(Math.max(0, s)) : s;
  },
};
