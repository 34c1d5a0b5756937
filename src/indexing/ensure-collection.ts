import type { Encoder } from '../../indexers/encoder.js';
import type { CollectionSchema, CollectionSchemaInput } from '../domain/collection.js';
import { ChorusError } from '../errors.js';
import type { VectorStore } from '../stores/vector-store.js';

/** The collection schema the given encoders write: one named vector per encoder, cosine, with its model id. */
export function schemaFor(name: string, encoders: Encoder[]): CollectionSchemaInput {
  if (encoders.length === 0)
    throw new ChorusError(
      'MODEL_MISSING',
      'no encoder is available: enable at least one modality with a model',
    );
  const vectors: CollectionSchemaInput['vectors'] = {};
  for (const e of encoders)
    vectors[e.vectorName] = {
      modality: e.modality,
      dim: e.dim,
      distance: 'cosine',
      modelId: e.modelId,
    };
  return { name, vectors };
}

/**
 * Opens the collection, creating it from the encoders' dimensions when missing. An existing collection
 * built by other models is a SCHEMA_MISMATCH (never silently mixed vectors): re-embed it into a new one.
 */
export async function ensureCollection(
  store: VectorStore,
  name: string,
  encoders: Encoder[],
): Promise<{ schema: CollectionSchema; created: boolean }> {
  const existing = (await store.listCollections()).find((c) => c.name === name);
  // No models (a catalogue of precomputed vectors): index into the collection as it was created.
  if (existing && encoders.length === 0) return { schema: existing, created: false };
  if (!existing && encoders.length === 0)
    throw new ChorusError(
      'MODEL_MISSING',
      `collection ${name} does not exist and no encoder is available to derive it from: create it first (chorus collection create ${name} --vector name:dim ...) to index precomputed vectors, or enable a model`,
    );
  const wanted = schemaFor(name, encoders);
  if (!existing) return { schema: await store.createCollection(wanted), created: true };
  try {
    return { schema: await store.openCollection(name, wanted), created: false };
  } catch (e) {
    if (e instanceof ChorusError && e.code === 'SCHEMA_MISMATCH') {
      throw new ChorusError(
        'SCHEMA_MISMATCH',
        `${e.message}\ncollection ${name} was built with other models; re-embed it into a new collection (reembed-collection job) or index into another name`,
        e.details,
      );
    }
    throw e;
  }
}
