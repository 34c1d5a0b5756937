import { z } from 'zod';

export const MODALITIES = ['text', 'image', 'audio'] as const;
export const Modality = z.enum(MODALITIES);
export type Modality = z.infer<typeof Modality>;

/**
 * Named vectors an item may carry. `image_text` / `audio_text` hold the CLIP / CLAP text tower
 * applied to the item's text, so image and audio queries also reach text-only items.
 * `cf` is the collaborative-filtering vector learned from interactions.
 */
export const VECTOR_NAMES = ['text', 'image', 'image_text', 'audio', 'audio_text', 'cf'] as const;
export const VectorName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'vector names are lowercase, digits and _');
export type VectorName = string;

export const Distance = z.enum(['cosine', 'dot', 'l2']);
export type Distance = z.infer<typeof Distance>;
