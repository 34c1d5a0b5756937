import type { CollectionSchema } from '../domain/collection.js';
import { ItemId, type Payload } from '../domain/item.js';
import { ChorusError } from '../errors.js';
import type { ItemInput } from './vector-store.js';

/** An item after validation: a real id, a plain JSON payload and only Float32Array vectors of the right size. */
export interface ValidItem {
  id: string;
  payload: Payload;
  vectors: Record<string, Float32Array>;
}

/**
 * Validates a whole batch before any write, so a bad item leaves the store unchanged.
 * Duplicate ids inside one batch collapse to the last occurrence (upsert semantics).
 */
export function validateBatch(schema: CollectionSchema, items: ItemInput[]): ValidItem[] {
  if (!Array.isArray(items))
    throw new ChorusError('VALIDATION', 'upsert expects an array of items');
  const byId = new Map<string, ValidItem>();
  for (const [index, item] of items.entries()) {
    const valid = validateItem(schema, item, index);
    byId.delete(valid.id); // keep insertion order of the last occurrence
    byId.set(valid.id, valid);
  }
  return [...byId.values()];
}

function validateItem(schema: CollectionSchema, item: ItemInput, index: number): ValidItem {
  if (!item || typeof item !== 'object')
    throw new ChorusError('VALIDATION', `item #${index} is not an object`);
  const idCheck = ItemId.safeParse(item.id);
  if (!idCheck.success) {
    throw new ChorusError(
      'VALIDATION',
      `item #${index} has an invalid id: ${idCheck.error.issues[0]?.message ?? 'bad id'}`,
      {
        index,
      },
    );
  }
  const id = idCheck.data;
  const payload = item.payload ?? {};
  if (typeof payload !== 'object' || Array.isArray(payload) || payload === null) {
    throw new ChorusError(
      'VALIDATION',
      `item ${JSON.stringify(id)}: payload must be a JSON object`,
      { id },
    );
  }
  const vectors: Record<string, Float32Array> = {};
  for (const [name, raw] of Object.entries(item.vectors ?? {})) {
    if (raw === undefined || raw === null) continue;
    vectors[name] = checkVector(schema, name, raw, id);
  }
  return { id, payload, vectors };
}

/** Checks one vector against the collection's spec; `id` names the item (or 'query') in errors. */
export function checkVector(
  schema: CollectionSchema,
  name: string,
  raw: Float32Array | number[],
  id: string,
): Float32Array {
  const spec = schema.vectors[name];
  if (!spec) {
    throw new ChorusError(
      'VALIDATION',
      `item ${JSON.stringify(id)}: unknown vector ${JSON.stringify(name)} (collection ${schema.name} has ${Object.keys(schema.vectors).join(', ')})`,
      { id, vector: name },
    );
  }
  if (!(raw instanceof Float32Array) && !Array.isArray(raw)) {
    throw new ChorusError(
      'INVALID_VECTOR',
      `item ${JSON.stringify(id)}: vector ${name} must be an array of numbers`,
      {
        id,
        vector: name,
      },
    );
  }
  if (raw.length !== spec.dim) {
    throw new ChorusError(
      'DIMENSION_MISMATCH',
      `item ${JSON.stringify(id)}: vector ${name} has dimension ${raw.length}, collection ${schema.name} expects ${spec.dim}`,
      { id, vector: name, expected: spec.dim, actual: raw.length },
    );
  }
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ChorusError(
        'INVALID_VECTOR',
        `item ${JSON.stringify(id)}: vector ${name} has a non-finite value (${String(v)}) at index ${i}`,
        { id, vector: name, index: i },
      );
    }
  }
  const f32 = raw instanceof Float32Array ? raw : Float32Array.from(raw);
  // Float64 values beyond the float32 range become Infinity once stored.
  for (let i = 0; i < f32.length; i++) {
    if (!Number.isFinite(f32[i]!)) {
      throw new ChorusError(
        'INVALID_VECTOR',
        `item ${JSON.stringify(id)}: vector ${name} overflows float32 at index ${i}`,
        {
          id,
          vector: name,
          index: i,
        },
      );
    }
  }
  return f32;
}

/** Validates k for search (1..10000). */
export function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > 10_000)
    throw new ChorusError('VALIDATION', `k must be an integer in 1..10000, got ${k}`);
  return k;
}
