import { Rng } from '../../../rerankers/random.js';

/**
 * Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky 2008):
 * preference p_ui = 1 for observed pairs, confidence c_ui = 1 + alpha * r_ui; each half-step solves one
 * small (f x f) ridge system per row with the YᵀY trick, so the cost is linear in the observations.
 */
export interface AlsOptions {
  factors: number;
  iterations?: number;
  alpha?: number;
  lambda?: number;
  seed?: number;
}

export interface AlsResult {
  userFactors: Float32Array[];
  itemFactors: Float32Array[];
}

/** `rows[u]` = [item index, strength > 0][] for user u. */
export function implicitAls(
  rows: [number, number][][],
  nItems: number,
  opts: AlsOptions,
): AlsResult {
  const f = opts.factors;
  const alpha = opts.alpha ?? 10;
  const lambda = opts.lambda ?? 0.1;
  const rng = new Rng(opts.seed ?? 7);
  const init = () => Float64Array.from({ length: f }, () => rng.normal() * 0.1);
  const X = rows.map(init);
  const Y = Array.from({ length: nItems }, init);
  // Item -> users view for the item half-step.
  const cols: [number, number][][] = Array.from({ length: nItems }, () => []);
  rows.forEach((row, u) => {
    for (const [i, r] of row) cols[i]!.push([u, r]);
  });
  for (let it = 0; it < (opts.iterations ?? 12); it++) {
    solveSide(X, Y, rows, f, alpha, lambda);
    solveSide(Y, X, cols, f, alpha, lambda);
  }
  return {
    userFactors: X.map((x) => Float32Array.from(x)),
    itemFactors: Y.map((y) => Float32Array.from(y)),
  };
}

function solveSide(
  target: Float64Array[],
  fixed: Float64Array[],
  obs: [number, number][][],
  f: number,
  alpha: number,
  lambda: number,
): void {
  const gram = new Float64Array(f * f);
  for (const y of fixed)
    for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) gram[a * f + b]! += y[a]! * y[b]!;
  const A = new Float64Array(f * f);
  const rhs = new Float64Array(f);
  obs.forEach((row, u) => {
    A.set(gram);
    for (let a = 0; a < f; a++) A[a * f + a]! += lambda;
    rhs.fill(0);
    for (const [j, r] of row) {
      const y = fixed[j]!;
      const c = 1 + alpha * r;
      for (let a = 0; a < f; a++) {
        rhs[a]! += c * y[a]!;
        const ya = (c - 1) * y[a]!;
        for (let b = 0; b < f; b++) A[a * f + b]! += ya * y[b]!;
      }
    }
    target[u] = row.length === 0 ? new Float64Array(f) : choleskySolve(A, rhs, f);
  });
}

/** Solves A x = b for symmetric positive definite A (row-major f x f). */
export function choleskySolve(A: Float64Array, b: Float64Array, f: number): Float64Array {
  const L = new Float64Array(f * f);
  for (let i = 0; i < f; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * f + j]!;
      for (let k = 0; k < j; k++) s -= L[i * f + k]! * L[j * f + k]!;
      L[i * f + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / L[j * f + j]!;
    }
  }
  const z = new Float64Array(f);
  for (let i = 0; i < f; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * f + k]! * z[k]!;
    z[i] = s / L[i * f + i]!;
  }
  const x = new Float64Array(f);
  for (let i = f - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < f; k++) s -= L[k * f + i]! * x[k]!;
    x[i] = s / L[i * f + i]!;
  }
  return x;
}
