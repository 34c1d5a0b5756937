import { z } from 'zod';
import { CollectionSchema, type CollectionSchemaInput } from '../domain/collection.js';
import { ChorusError } from '../errors.js';

const FIELD_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Parses a schema given by a caller; a bad schema is a VALIDATION error listing every problem. */
export function parseCollectionSchema(input: CollectionSchemaInput): CollectionSchema {
  const r = CollectionSchema.safeParse(input);
  if (!r.success) {
    throw new ChorusError(
      'VALIDATION',
      `invalid collection schema: ${z.prettifyError(r.error)}`,
      r.error.issues,
    );
  }
  for (const key of Object.keys(r.data.payloadIndexes)) {
    if (!FIELD_KEY.test(key)) {
      throw new ChorusError(
        'VALIDATION',
        `payload index ${JSON.stringify(key)} is not an identifier ([A-Za-z_][A-Za-z0-9_]*)`,
      );
    }
  }
  return r.data;
}

/**
 * Compares what a caller expects with what is stored. Every vector the caller expects must exist with the same
 * dim and distance, and the same modelId when both name one; every payload index it expects must exist with the
 * same type. Extra stored vectors or indexes are fine.
 */
export function assertSchemaCompatible(
  stored: CollectionSchema,
  expectedInput: CollectionSchemaInput,
): void {
  const expected = parseCollectionSchema({ ...expectedInput, name: stored.name });
  const problems: string[] = [];
  for (const [name, want] of Object.entries(expected.vectors)) {
    const have = stored.vectors[name];
    if (!have) {
      problems.push(
        `vector ${name} does not exist (stored: ${Object.keys(stored.vectors).join(', ')})`,
      );
      continue;
    }
    if (have.dim !== want.dim)
      problems.push(`vector ${name} has dim ${have.dim}, expected ${want.dim}`);
    if (have.distance !== want.distance)
      problems.push(`vector ${name} uses distance ${have.distance}, expected ${want.distance}`);
    if (have.modelId && want.modelId && have.modelId !== want.modelId) {
      problems.push(`vector ${name} was built by model ${have.modelId}, expected ${want.modelId}`);
    }
  }
  for (const [field, type] of Object.entries(expected.payloadIndexes)) {
    const have = stored.payloadIndexes[field];
    if (have !== type)
      problems.push(`payload index ${field} is ${have ?? 'missing'}, expected ${type}`);
  }
  if (problems.length) {
    throw new ChorusError(
      'SCHEMA_MISMATCH',
      `collection ${stored.name} does not match: ${problems.join('; ')}`,
      { problems },
    );
  }
}
