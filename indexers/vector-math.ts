/** L2-normalises in place and returns the vector; an all-zero vector stays zero. */
export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/** Rows of a row-major [rows, dim] buffer, each copied and L2-normalised. */
export function normalizedRows(data: Float32Array, rows: number, dim: number): Float32Array[] {
  return Array.from({ length: rows }, (_, r) => l2normalize(data.slice(r * dim, (r + 1) * dim)));
}

/** Mean of equally long vectors. */
export function meanOf(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i]! += v[i]! / vectors.length;
  return out;
}

/**
 * Masked mean over the sequence axis of a [batch, seq, dim] buffer: the sentence-embedding pooling of
 * sentence-transformers (padding tokens excluded).
 */
export function maskedMeanPool(
  hidden: Float32Array,
  mask: ArrayLike<bigint | number>,
  batch: number,
  seq: number,
  dim: number,
): Float32Array[] {
  return Array.from({ length: batch }, (_, b) => {
    const out = new Float32Array(dim);
    let count = 0;
    for (let t = 0; t < seq; t++) {
      if (Number(mask[b * seq + t]) === 0) continue;
      count++;
      const base = (b * seq + t) * dim;
      for (let d = 0; d < dim; d++) out[d]! += hidden[base + d]!;
    }
    if (count > 0) for (let d = 0; d < dim; d++) out[d]! /= count;
    return out;
  });
}
