import { Rng } from '../../rerankers/random.js';

/** Synthetic clustered unit vectors: items near one of `clusters` centroids, so ANN has structure to find. */
export function clusteredVectors(
  n: number,
  dim: number,
  clusters: number,
  seed: number,
): Float32Array[] {
  const rng = new Rng(seed);
  const centroids = Array.from({ length: clusters }, () =>
    unit(Float32Array.from({ length: dim }, () => rng.normal())),
  );
  return Array.from({ length: n }, () => {
    const c = centroids[Math.floor(rng.next() * clusters)]!;
    return unit(Float32Array.from(c, (x) => x + ((rng.normal() * 0.35) / Math.sqrt(dim)) * 4));
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
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ren',
  'tas',
  'vu',
  'pel',
  'dor',
  'si',
  'gan',
  'bri',
  'mo',
  'tek',
  'nu',
  'fa',
  'zol',
];

/**
 * A Zipf-distributed vocabulary of pronounceable pseudo-words (distinct after stemming), so BM25 postings have
 * the long-tailed lengths of real text: a few words in many items, most in few.
 */
export class TextGenerator {
  private readonly words: string[];
  private readonly cdf: Float64Array;

  constructor(
    private readonly rng: Rng,
    vocabulary = 20_000,
  ) {
    const words = new Set<string>();
    while (words.size < vocabulary) {
      const n = 2 + Math.floor(rng.next() * 3);
      words.add(
        Array.from({ length: n }, () => SYLLABLES[Math.floor(rng.next() * SYLLABLES.length)]!).join(
          '',
        ) + 'x',
      );
    }
    this.words = [...words];
    this.cdf = new Float64Array(vocabulary);
    let sum = 0;
    for (let r = 0; r < vocabulary; r++) this.cdf[r] = sum += 1 / (r + 1);
    for (let r = 0; r < vocabulary; r++) this.cdf[r]! /= sum;
  }

  word(): string {
    const u = this.rng.next();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo]!;
  }

  text(minWords: number, maxWords: number): string {
    const n = minWords + Math.floor(this.rng.next() * (maxWords - minWords + 1));
    return Array.from({ length: n }, () => this.word()).join(' ');
  }
}

/** A query for an item's text: a few of its words. */
export function queryText(text: string, rng: Rng, words = 3): string {
  const all = text.split(' ');
  return Array.from(
    { length: Math.min(words, all.length) },
    () => all[Math.floor(rng.next() * all.length)]!,
  ).join(' ');
}
