import type { CollectionSchemaInput } from '../../src/domain/collection.js';
import type { ItemInput } from '../../src/stores/vector-store.js';

export const CRASH_DIM = 32;
export const CRASH_SCHEMA: CollectionSchemaInput = {
  name: 'crash',
  vectors: { text: { modality: 'text', dim: CRASH_DIM } },
  payloadIndexes: { batch: 'integer' },
};

/** The value at position j of item i in batch b: a pure function, so the test can recompute every vector. */
export function crashValue(b: number, i: number, j: number): number {
  return Math.sin(b * 7919 + i * 104729 + j * 13) + 1.5;
}

export function crashItems(b: number, size: number): ItemInput[] {
  return Array.from({ length: size }, (_, i) => ({
    id: `b${b}-i${i}`,
    payload: { batch: b, i },
    vectors: { text: Float32Array.from({ length: CRASH_DIM }, (_, j) => crashValue(b, i, j)) },
  }));
}
