import { Rng } from '../../rerankers/random.js';

/** Synthetic clustered unit vectors: items near one of `clusters` centroids, so ANN has structure to find. */
export function clusteredVectors(n: number, dim: number, clusters: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const centroids = Array.from({ length: clusters }, () => unit(Float32Array.from({ length: dim }, () => rng.normal())));
  return Array.from({ length: n }, () => {
    const c = centroids[Math.floor(rng.next() * clusters)]!;
    return unit(Float32Array.from(c, (x) => x + rng.normal() * 0.35 / Math.sqrt(dim) * 4));
  });
}

/** A query near an existing vector (a perturbed copy). */
export function perturb(v: Float32Array, rng: Rng, noise = 0.05): Float32Array {
  return unit(Float32Array.from(v, (x) => x + rng.normal() * noise));
}

export function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / (Math.sqrt(s) || 1);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
