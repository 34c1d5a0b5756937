import { Rng } from '../random.js';
import type { LetorQuery, LetorSet } from './svmlight.js';

/**
 * Synthetic LETOR data with a known, learnable but non-linear relevance, for tests and the ULTR bench.
 *
 * Each query has `docsPerQuery` documents with `numFeatures` features ~ N(0, 1) plus a per-query offset
 * (features are only comparable within a query, as in real LETOR data). The latent relevance of a document is
 *   r = w . x[0..k) + 0.5 * x0 * x1 - 0.3 * x2^2 + noise
 * with w fixed by the seed; grades 0..maxGrade are cut at per-query quantiles so that most documents are
 * grade 0 and few are the top grade (a skew like MSLR-WEB30K). The remaining features are pure noise.
 */
export interface SyntheticLetorOptions {
  queries: number;
  docsPerQuery?: number;
  numFeatures?: number;
  informative?: number;
  maxGrade?: number;
  noise?: number;
  seed?: number;
}

/** Shares of documents per grade from 0 up (renormalised when maxGrade < 4). */
const GRADE_SHARES = [0.5, 0.25, 0.13, 0.08, 0.04];

export function generateSyntheticLetor(o: SyntheticLetorOptions): LetorSet {
  const rng = new Rng(o.seed ?? 7);
  const n = o.docsPerQuery ?? 30;
  const F = o.numFeatures ?? 20;
  const k = Math.min(F, o.informative ?? 8);
  const maxGrade = o.maxGrade ?? 4;
  const noise = o.noise ?? 0.5;
  // Relevance weights are fixed by a seed of their own so train/vali/test generated with different seeds share them.
  const wr = new Rng(12345);
  const w = Array.from({ length: k }, () => wr.normal());
  const shares = GRADE_SHARES.slice(0, maxGrade + 1);
  const total = shares.reduce((a, b) => a + b, 0);
  const queries: LetorQuery[] = [];
  for (let q = 0; q < o.queries; q++) {
    const offset = Array.from({ length: F }, () => rng.normal() * 0.5);
    const rows = new Float32Array(n * F);
    const latent: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < F; f++) rows[i * F + f] = rng.normal() + offset[f]!;
      const x = (f: number) => rows[i * F + f]! - offset[f]!;
      let r = noise * rng.normal();
      for (let f = 0; f < k; f++) r += w[f]! * x(f);
      if (F >= 3) r += 0.5 * x(0) * x(1) - 0.3 * x(2) ** 2;
      latent.push(r);
    }
    const order = latent.map((_, i) => i).sort((a, b) => latent[a]! - latent[b]!);
    const labels = new Float32Array(n);
    let cum = 0;
    let at = 0;
    for (let g = 0; g <= maxGrade; g++) {
      cum += shares[g]! / total;
      const until = g === maxGrade ? n : Math.round(cum * n);
      for (; at < until; at++) labels[order[at]!] = g;
    }
    queries.push({ qid: `q${q}`, n, rows, labels });
  }
  return { queries, numFeatures: F, maxGrade };
}
