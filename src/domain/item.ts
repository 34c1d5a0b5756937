import { z } from 'zod';
import { ItemId as ItemIdSchema, reservedKeyIn } from './names.js';

// A local const (not a re-export of the import) so the value and the type share one exported name that
// declaration emit (npm run build) can name; a re-exported import beside a local type fails with TS4033.
export const ItemId = ItemIdSchema;
export type ItemId = string;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export const JsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(JsonValue),
    z.record(z.string(), JsonValue),
  ]),
);

export const Payload = z.record(z.string(), JsonValue);
export type Payload = Record<string, JsonValue>;

/** A payload a client sends: any JSON object except the keys the server reserves (400 naming the key). */
export const ClientPayload = Payload.superRefine((p, ctx) => {
  const key = reservedKeyIn(p);
  if (key)
    ctx.addIssue({
      code: 'custom',
      path: [key],
      message: `payload key "${key}" is reserved for the server`,
    });
});

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
