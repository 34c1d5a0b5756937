import { isEncodeFailure, type Encoder, type EncoderInput } from '../../indexers/encoder.js';
import type { CollectionSchema } from '../domain/collection.js';
import type { Modality } from '../domain/modality.js';
import { ChorusError } from '../errors.js';

/** A query as the engine sees it: any of text, media bytes, and precomputed vectors per vector name. */
export interface QueryInput {
  text?: string;
  image?: Uint8Array;
  audio?: Uint8Array;
  vectors?: Record<string, ArrayLike<number>>;
}

/**
 * Which stored vectors an encoder's output can be compared with. An encoder writes `vectorName`; a text
 * tower of a two-tower model (writes `image_text`) also reaches the other tower's `image`, and a media
 * tower (writes `image`) also reaches `image_text` — so image queries find text-only items and back.
 */
export function reachableVectorNames(encoder: Encoder): string[] {
  const names = [encoder.vectorName];
  if (encoder.modality === 'text' && encoder.vectorName.endsWith('_text'))
    names.push(encoder.vectorName.slice(0, -5));
  if (encoder.modality !== 'text') names.push(`${encoder.vectorName}_text`);
  return names;
}

/** Encode with `encoder`, then search each of `vectorNames` (the registry's query routes have this shape). */
export interface QueryRoute {
  encoder: Encoder;
  vectorNames: string[];
}

/** Routes derived from the encoders alone, for callers without a registry. */
export function routesFromEncoders(encoders: readonly Encoder[], modality: Modality): QueryRoute[] {
  return encoders
    .filter((e) => e.modality === modality)
    .map((encoder) => ({ encoder, vectorNames: reachableVectorNames(encoder) }));
}

export interface EncodedQuery {
  vectors: Map<string, Float32Array>;
  /** Query modalities present (text, image, audio) or 'vector'. */
  modalities: string[];
  /** Human-readable notes on what could not be reached and why. */
  missing: string[];
}

export function toFloat32(name: string, v: ArrayLike<number>, dim: number): Float32Array {
  if (v.length !== dim) {
    throw new ChorusError(
      'DIMENSION_MISMATCH',
      `vector "${name}" has ${v.length} dimensions; the collection expects ${dim}`,
      {
        vector: name,
        expected: dim,
        got: v.length,
      },
    );
  }
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const x = v[i]!;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new ChorusError(
        'INVALID_VECTOR',
        `vector "${name}" has a non-finite value at index ${i}`,
        { vector: name, index: i },
      );
    }
    out[i] = x;
  }
  return out;
}

export async function encodeQuery(
  routesFor: (modality: Modality) => QueryRoute[],
  schema: CollectionSchema,
  q: QueryInput,
): Promise<EncodedQuery> {
  const vectors = new Map<string, Float32Array>();
  const modalities: string[] = [];
  const missing: string[] = [];
  const inputs: [Modality, EncoderInput | undefined][] = [
    ['text', q.text?.trim() ? q.text : undefined],
    ['image', q.image],
    ['audio', q.audio],
  ];
  for (const [modality, input] of inputs) {
    if (input === undefined) continue;
    modalities.push(modality);
    let reached = 0;
    for (const { encoder: enc, vectorNames } of routesFor(modality)) {
      // Only vectors of the same dimension (and, when the schema records it, the same model) are comparable.
      const targets = vectorNames.filter((n) => {
        const spec = schema.vectors[n];
        return spec?.dim === enc.dim && (!spec.modelId || spec.modelId === enc.modelId);
      });
      if (targets.length === 0) continue;
      const [result] = await enc.encode([input]);
      if (!result || isEncodeFailure(result)) {
        const reason = result && isEncodeFailure(result) ? result.error.reason : 'no output';
        throw new ChorusError(
          'MEDIA_DECODE',
          `the ${modality} query could not be encoded: ${reason}`,
          { modality, encoder: enc.modelId },
        );
      }
      for (const t of targets) if (!vectors.has(t)) vectors.set(t, result);
      reached += targets.length;
    }
    if (reached === 0 && modality !== 'text') {
      missing.push(
        `no ${modality} encoder reaches this collection's vectors: ${modality} queries need an ${modality} model`,
      );
    } else if (reached === 0) {
      missing.push("no text encoder reaches this collection's vectors: text queries use BM25 only");
    }
  }
  if (q.vectors) {
    modalities.push('vector');
    for (const [name, v] of Object.entries(q.vectors)) {
      const spec = schema.vectors[name];
      if (!spec) {
        throw new ChorusError(
          'VALIDATION',
          `collection "${schema.name}" has no vector named "${name}"`,
          {
            vector: name,
            known: Object.keys(schema.vectors),
          },
        );
      }
      vectors.set(name, toFloat32(name, v, spec.dim));
    }
  }
  return { vectors, modalities, missing };
}
