import { z } from 'zod';

export const ItemId = z
  .string()
  .min(1)
  .max(256)
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  .regex(/^[^\u0000-\u001f]+$/, 'ids may not contain control characters');
export type ItemId = string;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export const JsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]),
);

export const Payload = z.record(z.string(), JsonValue);
export type Payload = Record<string, JsonValue>;

/** A stored item: caller id, payload (title, text, tags, any JSON), and the named vectors it has. */
export interface Item {
  id: ItemId;
  payload: Payload;
  vectors: Record<string, Float32Array>;
}

/** A search hit from one vector store query. */
export interface VectorHit {
  id: ItemId;
  /** Similarity: higher is better for every distance (l2 is negated distance). */
  score: number;
  payload: Payload;
  /** The item's stored vectors, only when the search asked for them (SearchOptions.withVectors). */
  vectors?: Record<string, Float32Array>;
}
