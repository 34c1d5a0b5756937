import type { ClickSession, Propensities } from './types.js';
import { LogisticRelevance } from './logistic-relevance.js';

export interface PbmEmOptions {
  /** Positions beyond this are ignored (their examination is not estimated). */
  maxPositions?: number;
  iterations?: number;
  /** 'regression' (regression-EM, Wang et al. WSDM'18) needs feature rows; 'pairs' keeps one relevance per key. */
  relevance?: 'regression' | 'pairs' | 'auto';
  /** Gradient steps of the logistic relevance model per M-step (regression-EM only). */
  regressionSteps?: number;
}

export interface PbmFit {
  propensities: Propensities;
  /** Relative propensities (position 0 = 1): what IPS weights divide by. */
  relative: Propensities;
  iterations: number;
  method: 'regression' | 'pairs';
}

/**
 * Position-based click model P(click) = P(examined | position) * P(relevant | query, doc), fitted by EM.
 * E-step: posteriors of (examined, relevant) for each non-click; M-step: examination per position is the mean
 * posterior; relevance is either per key or (regression-EM) a logistic model over the served feature rows,
 * which identifies examination even when the production ranker always shows a pair at the same position.
 */
export function fitPositionBasedModel(
  sessions: readonly ClickSession[],
  opts: PbmEmOptions = {},
): PbmFit {
  const K = opts.maxPositions ?? 10;
  const iterations = opts.iterations ?? 50;
  const hasFeatures =
    sessions.length > 0 && sessions.every((s) => s.items.every((i) => i.features !== undefined));
  const method =
    opts.relevance === 'pairs' || (opts.relevance !== 'regression' && !hasFeatures)
      ? 'pairs'
      : 'regression';
  if (method === 'regression' && !hasFeatures)
    throw new Error('regression-EM needs feature rows on every shown item');

  // Flatten once: position, click, key index, feature row. Observations with equal rows (repeated lists of a log)
  // share one row of the relevance model, weighted by their count: the same fit, over distinct rows only.
  const pos: number[] = [];
  const click: number[] = [];
  const keyIdx: number[] = [];
  const rowIdx: number[] = [];
  const rowCount: number[] = [];
  const distinct = new DistinctRows();
  const keys = new Map<string, number>();
  for (const s of sessions) {
    for (const it of s.items) {
      if (it.position >= K) continue;
      pos.push(it.position);
      click.push(it.clicked ? 1 : 0);
      let k = keys.get(it.key);
      if (k === undefined) keys.set(it.key, (k = keys.size));
      keyIdx.push(k);
      if (method === 'regression') {
        const r = distinct.indexOf(it.features!);
        rowCount[r] = (rowCount[r] ?? 0) + 1;
        rowIdx.push(r);
      }
    }
  }
  const rows = distinct.rows;
  const n = pos.length;
  const theta = new Float64Array(K).fill(0.5);
  const gammaKey = new Float64Array(keys.size).fill(0.5);
  const gamma = new Float64Array(n).fill(0.5);
  const targets = new Float64Array(n);
  const model =
    method === 'regression' && n > 0 ? new LogisticRelevance(rows, 0.05, rowCount) : undefined;
  const rowTargets = new Float64Array(rows.length);
  const rowGamma = new Float64Array(rows.length);

  let it = 0;
  for (; it < iterations; it++) {
    const eSum = new Float64Array(K);
    const eCount = new Float64Array(K);
    const rSum = new Float64Array(keys.size);
    const rCount = new Float64Array(keys.size);
    for (let i = 0; i < n; i++) {
      const k = pos[i]!;
      const th = theta[k]!;
      const g = gamma[i]!;
      let pE = 1;
      let pR = 1;
      if (!click[i]) {
        const denom = Math.max(1e-12, 1 - th * g);
        pE = (th * (1 - g)) / denom;
        pR = ((1 - th) * g) / denom;
      }
      eSum[k]! += pE;
      eCount[k]! += 1;
      targets[i] = pR;
      rSum[keyIdx[i]!]! += pR;
      rCount[keyIdx[i]!]! += 1;
    }
    let moved = 0;
    for (let k = 0; k < K; k++) {
      const next = eCount[k]! > 0 ? clampProb(eSum[k]! / eCount[k]!) : theta[k]!;
      moved = Math.max(moved, Math.abs(next - theta[k]!));
      theta[k] = next;
    }
    if (model) {
      rowTargets.fill(0);
      for (let i = 0; i < n; i++) rowTargets[rowIdx[i]!]! += targets[i]!;
      model.fit(rowTargets, opts.regressionSteps ?? 8);
      model.predictInto(rowGamma);
      for (let i = 0; i < n; i++) gamma[i] = rowGamma[rowIdx[i]!]!;
    } else {
      for (let j = 0; j < keys.size; j++)
        gammaKey[j] = rCount[j]! > 0 ? clampProb(rSum[j]! / rCount[j]!) : 0.5;
      for (let i = 0; i < n; i++) gamma[i] = gammaKey[keyIdx[i]!]!;
    }
    if (moved < 1e-6) break;
  }
  return { propensities: theta, relative: relativeTo(theta), iterations: it, method };
}

/**
 * Distinct feature rows by value, in order of first appearance (so a log with rows as JSON and the same log with
 * shared packed rows give the same rows in the same order, hence the same fit). Shared row objects are recognised
 * without hashing.
 */
class DistinctRows {
  readonly rows: ArrayLike<number>[] = [];
  private readonly byObject = new Map<ArrayLike<number>, number>();
  private readonly byHash = new Map<number, number[]>();
  private readonly f32 = new Float32Array(1);
  private readonly u32 = new Uint32Array(this.f32.buffer);

  indexOf(row: ArrayLike<number>): number {
    const known = this.byObject.get(row);
    if (known !== undefined) return known;
    let h = 2166136261 ^ row.length;
    for (let j = 0; j < row.length; j++) {
      this.f32[0] = row[j]!;
      h = Math.imul(h ^ this.u32[0]!, 16777619);
    }
    const bucket = this.byHash.get(h);
    let r = bucket?.find((i) => sameValues(this.rows[i]!, row));
    if (r === undefined) {
      r = this.rows.length;
      this.rows.push(row);
      if (bucket) bucket.push(r);
      else this.byHash.set(h, [r]);
    }
    this.byObject.set(row, r);
    return r;
  }
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}

function clampProb(p: number): number {
  return Math.min(1 - 1e-6, Math.max(1e-6, p));
}

export function relativeTo(p: Propensities): Propensities {
  const top = p[0] ?? 1;
  return p.map((v) => (top > 0 ? v / top : v));
}
