import { Rng } from '../../rerankers/random.js';
import type { CollectionSchemaInput } from '../../src/domain/collection.js';
import type { ItemInput } from '../../src/stores/vector-store.js';

/** Deterministic PRNG (the project's seeded mulberry32) so vectors are the same on every run. */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

export function unitVector(dim: number, rand: () => number): Float32Array {
  const v = new Float32Array(dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    // Box-Muller gives a uniform direction on the sphere.
    const x = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    v[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dim; i++) v[i] = v[i]! / norm;
  return v;
}

/** A vector close to `v` (cosine ~ 1 - eps). */
export function near(v: Float32Array, rand: () => number, eps = 0.01): Float32Array {
  const noise = unitVector(v.length, rand);
  const out = new Float32Array(v.length);
  let norm = 0;
  for (let i = 0; i < v.length; i++) {
    out[i] = v[i]! + eps * noise[i]!;
    norm += out[i]! * out[i]!;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) out[i] = out[i]! / norm;
  return out;
}

export { cosine } from '../../src/domain/vectors.js';

export const TEXT_DIM = 8;
export const IMAGE_DIM = 4;

export function productSchema(name: string): CollectionSchemaInput {
  return {
    name,
    vectors: {
      text: { modality: 'text', dim: TEXT_DIM, distance: 'cosine', modelId: 'test/text-8' },
      image: { modality: 'image', dim: IMAGE_DIM, distance: 'cosine', modelId: 'test/image-4' },
    },
    payloadIndexes: {
      brand: 'keyword',
      tags: 'keyword',
      price: 'float',
      stock: 'integer',
      active: 'bool',
      note: 'keyword',
      place: 'geo',
    },
  };
}

/** n products with text vectors on all, image vectors on even ids only, and varied payloads. */
export function products(n: number, seed = 1): ItemInput[] {
  const rand = rng(seed);
  const brands = ['acme', 'globex', "o'neil"];
  return Array.from({ length: n }, (_, i) => ({
    id: `p${String(i).padStart(4, '0')}`,
    payload: {
      title: `product ${i}`,
      brand: brands[i % brands.length]!,
      tags: i % 2 === 0 ? ['even', `t${i % 5}`] : [`t${i % 5}`],
      price: i * 1.5,
      stock: i % 7,
      active: i % 3 !== 0,
      ...(i % 4 === 0 ? { note: 'has note' } : {}),
      // Points across Europe (a few missing, one out of range: not a point, so never within any radius).
      ...(i % 9 === 4
        ? {}
        : {
            place:
              i === 7
                ? { lat: 200, lon: 0 }
                : { lat: 35 + ((i * 7) % 30), lon: -10 + ((i * 13) % 40) },
          }),
    },
    vectors: {
      text: unitVector(TEXT_DIM, rand),
      ...(i % 2 === 0 ? { image: unitVector(IMAGE_DIM, rand) } : {}),
    },
  }));
}
