// Embedding-like vectors for the store benchmarks: real sentence/image/audio embeddings live near a low-dimensional
// subspace with a decaying (power-law) spectrum, plus a little isotropic noise. Uniform random vectors are the worst
// case for every graph index and flatter nothing; this is the shape the engine serves.
import { Rng } from '../rerankers/random.js';

export interface EmbeddingLikeOptions {
  dim: number;
  /** Rank of the subspace (default 48). */
  rank?: number;
  /** Spectrum decay exponent: component r has scale (1 + r)^-decay (default 0.8). */
  decay?: number;
  /** Isotropic noise scale relative to the first component (default 0.05). */
  noise?: number;
  seed: number;
}

/** A generator of unit vectors from one fixed embedding-like distribution (same seed, same space). */
export function embeddingLike(o: EmbeddingLikeOptions): (rng: Rng) => Float32Array {
  const rank = o.rank ?? 48;
  const decay = o.decay ?? 0.8;
  const noise = o.noise ?? 0.05;
  const space = new Rng(o.seed);
  const basis = new Float32Array(rank * o.dim);
  for (let i = 0; i < basis.length; i++) basis[i] = space.normal() / Math.sqrt(o.dim);
  const scale = Float32Array.from({ length: rank }, (_, r) => (1 + r) ** -decay);
  return (rng) => {
    const v = new Float32Array(o.dim);
    for (let r = 0; r < rank; r++) {
      const w = rng.normal() * scale[r]!;
      const off = r * o.dim;
      for (let j = 0; j < o.dim; j++) v[j]! += w * basis[off + j]!;
    }
    let norm = 0;
    for (let j = 0; j < o.dim; j++) {
      v[j]! += (noise * rng.normal()) / Math.sqrt(o.dim);
      norm += v[j]! * v[j]!;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < o.dim; j++) v[j]! *= inv;
    return v;
  };
}

/** Percentile of a sample (nearest rank). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
