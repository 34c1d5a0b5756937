import { z } from 'zod';
import { Distance, Modality, VectorName } from './modality.js';
import { CollectionName } from './names.js';

export { CollectionName };

export const VectorSpec = z.object({
  /** Which modality this vector represents for explanations (text, image, audio) or 'cf'. */
  modality: z.union([Modality, z.literal('cf')]),
  dim: z.number().int().min(1).max(8192),
  distance: Distance.default('cosine'),
  /** The model that produced the vectors; open refuses a different one. */
  modelId: z.string().optional(),
});
export type VectorSpec = z.infer<typeof VectorSpec>;

export const PayloadFieldType = z.enum([
  'keyword',
  'integer',
  'float',
  'bool',
  'text',
  'datetime',
  'geo',
]);
export type PayloadFieldType = z.infer<typeof PayloadFieldType>;

export const CollectionSchema = z.object({
  name: CollectionName,
  vectors: z.record(VectorName, VectorSpec).refine((v) => Object.keys(v).length > 0, {
    message: 'a collection needs at least one named vector',
  }),
  /** Payload fields to index for filtering (and, for 'text', for BM25). */
  payloadIndexes: z.record(z.string(), PayloadFieldType).default({}),
});
export type CollectionSchema = z.infer<typeof CollectionSchema>;
export type CollectionSchemaInput = z.input<typeof CollectionSchema>;
