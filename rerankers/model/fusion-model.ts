import type { Rng } from '../random.js';
import { groupMask, offsetsOf, type ModelShape, type Offsets } from './layout.js';

export interface ModelJSON {
  kind: 'chorus-fusion';
  formatVersion: 3;
  shape: ModelShape;
  gateTemperature: number;
  /** Feature standardisation learned from the training rows: x' = (x - mean) * invStd. */
  mean: number[];
  invStd: number[];
  params: number[];
  /** Free-form: feature spec version, training span, metrics. */
  meta?: Record<string, unknown>;
}

/** Per-list intermediate values kept by the forward pass for gradients and explanations. */
export interface ListForward {
  n: number;
  /** The raw rows as given [n x F] (the baseline and its parts are read raw). */
  rows: ArrayLike<number>;
  /** Standardised rows [n x F]. */
  xs: Float64Array;
  /** Group scores [n x G]. */
  s: Float64Array;
  gate: Float64Array;
  /** MLP hidden pre-activations [n x H]. */
  pre: Float64Array;
  /** MLP output before the bound [n]. */
  mlp: Float64Array;
  /** The residual term as it enters the score: cap * tanh(mlp), or mlp when unbounded [n]. */
  residual: Float64Array;
  /** Raw baseline score per item [n] (0 without a baseline) and its weight. */
  base: Float64Array;
  wb: number;
  /** Per group: e^u, the gate's multiplier of that source's baseline part (1 = the preset's weight). */
  reweight: Float64Array;
  /** Per group: whether u sits at a bound (no gradient flows through it there). */
  clipped: Uint8Array;
  /** Per group: e^v - 1, the weight of that source's normalised score beside the baseline (0 = not used). */
  scoreWeight: Float64Array;
  scoreClipped: Uint8Array;
  scores: Float64Array;
}

/** Bounds of the gate's log-reweighting u: a source's baseline weight moves within [e^-6, e^3] times the preset's. */
export const REWEIGHT_BOUNDS: readonly [number, number] = [-6, 3];

/** Bounds of v, the score family's log-weight: a source's normalised score weighs e^v - 1, in [0, e^3 - 1]. */
export const SCORE_WEIGHT_BOUNDS: readonly [number, number] = [0, 3];

/** The initial weight of the baseline score (it lies in (0, 1]): sharp enough for a listwise softmax to start from. */
export const INITIAL_BASELINE_WEIGHT = 5;

/**
 * The fusion model, a correction of a baseline fusion:
 *   score = wb * (baseline(x) + sum_g (e^{u_g(q)} - 1) * part_g(x) + sum_g (e^{v_g(q)} - 1) * norm_g(x))
 *           + sum_{g used} gate_g(q) * s_g(x) + cap * tanh(MLP(x))
 * baseline is the list-normalised score of the collection's fusion (a feature read raw), wb > 0, and part_g its
 * share from source g, so the first term is the baseline with each source's weight multiplied by e^{u_g(q)},
 * u = clip(q Wu + bu): a per-query modality weighting that starts at the preset's weights (u = 0) and can express
 * weights tuned per query kind or per score shape. norm_g is source g's min-max normalised score and
 * v = clip(q Wv + bv, 0, 3): the score-based fusion family (weighted fusion's), weighed per query beside the baseline
 * and 0 at start, so a rank-based baseline (RRF) can turn into score fusion for the queries where that ranks
 * better, and a score-based preset can lean on it more. s_g reads only source g's features; gate =
 * softmax((q Wq + bq) / T) over the sources the query used (coverage > 0); the MLP residual is bounded by
 * `residualCap`. Initialised with zero correction, an untrained model ranks exactly as the baseline.
 * LETOR-shaped models (no baseline, no mask, no cap) keep the plain form.
 */
export class FusionModel {
  readonly o: Offsets;
  readonly mask: Uint8Array;

  constructor(
    readonly shape: ModelShape,
    readonly params: Float32Array,
    readonly mean: Float64Array,
    readonly invStd: Float64Array,
    readonly gateTemperature = 1,
    readonly meta: Record<string, unknown> = {},
  ) {
    this.o = offsetsOf(shape);
    this.mask = groupMask(shape);
    // The ONNX graph holds float32 constants: round here too so both forward passes see the same numbers.
    for (let f = 0; f < mean.length; f++) {
      mean[f] = Math.fround(mean[f]!);
      invStd[f] = Math.fround(invStd[f]!);
    }
    if (shape.baseline?.parts && shape.baseline.parts.length !== shape.groups.length)
      throw new Error('baseline parts need one entry per group');
    if (params.length !== this.o.size)
      throw new Error(`expected ${this.o.size} parameters, got ${params.length}`);
    if (shape.gateMask && shape.gateMask.length !== shape.groups.length)
      throw new Error('gateMask needs one entry per group');
  }

  static init(
    shape: ModelShape,
    rng: Rng,
    mean: Float64Array,
    invStd: Float64Array,
    gateTemperature = 1,
  ): FusionModel {
    const o = offsetsOf(shape);
    const p = new Float32Array(o.size);
    const mask = groupMask(shape);
    const s1 = Math.sqrt(2 / Math.max(1, o.F));
    for (let i = 0; i < o.F * o.H; i++) p[o.W1 + i] = rng.normal() * s1;
    p[o.lwb] = Math.log(INITIAL_BASELINE_WEIGHT);
    if (!shape.baseline) {
      // No baseline to start from (LETOR): a small random start for every block.
      for (let i = 0; i < o.F * o.G; i++) if (mask[i]) p[o.A + i] = rng.normal() * 0.1;
      for (let i = 0; i < o.Q * o.G; i++) p[o.Wq + i] = rng.normal() * 0.1;
      const s2 = Math.sqrt(1 / Math.max(1, o.H));
      for (let i = 0; i < o.H; i++) p[o.w2 + i] = rng.normal() * s2;
    }
    // With a baseline, A, Wq and w2 start at 0: zero correction, so the untrained model ranks as the baseline.
    return new FusionModel(shape, p, mean, invStd, gateTemperature);
  }

  /** The baseline score's weight (float32, as in the ONNX graph). */
  get baselineWeight(): number {
    return this.shape.baseline ? Math.fround(Math.exp(this.params[this.o.lwb]!)) : 0;
  }

  /** Which groups the query used (coverage > 0); all of them without a mask. */
  usedGroups(query: ArrayLike<number> | undefined): boolean[] {
    const m = this.shape.gateMask;
    return this.shape.groups.map((_, g) => !m || !query || (query[m[g]!] ?? 0) > 0);
  }

  /** Gate weights for one query-feature vector: a softmax over the used groups, 0 for the others. */
  gate(query: ArrayLike<number> | undefined): Float64Array {
    const { Q, G, Wq, bq } = this.o;
    const p = this.params;
    const used = this.usedGroups(query);
    const logits = new Float64Array(G);
    for (let g = 0; g < G; g++) {
      let z = p[bq + g]!;
      if (query) for (let q = 0; q < Q; q++) z += (query[q] ?? 0) * p[Wq + q * G + g]!;
      logits[g] = used[g] ? z / this.gateTemperature : -1e9;
    }
    let max = -Infinity;
    for (let g = 0; g < G; g++) max = Math.max(max, logits[g]!);
    let sum = 0;
    for (let g = 0; g < G; g++) sum += logits[g] = Math.exp(logits[g]! - max);
    for (let g = 0; g < G; g++) logits[g]! /= sum;
    return logits;
  }

  /**
   * The gate's multiplier e^u of each source's baseline part, the weight e^v - 1 of its normalised score, and which
   * u and v sit at a bound.
   */
  reweight(query: ArrayLike<number> | undefined): {
    reweight: Float64Array;
    clipped: Uint8Array;
    scoreWeight: Float64Array;
    scoreClipped: Uint8Array;
  } {
    const { G, Wu, bu, Wv, bv } = this.o;
    const reweight = new Float64Array(G).fill(1);
    const clipped = new Uint8Array(G);
    const scoreWeight = new Float64Array(G);
    const scoreClipped = new Uint8Array(G);
    if (this.shape.baseline?.parts)
      this.logWeights(query, Wu, bu, REWEIGHT_BOUNDS, reweight, clipped);
    if (this.shape.baseline?.scoreParts) {
      this.logWeights(query, Wv, bv, SCORE_WEIGHT_BOUNDS, scoreWeight, scoreClipped);
      for (let g = 0; g < G; g++) scoreWeight[g]! -= 1;
    }
    return { reweight, clipped, scoreWeight, scoreClipped };
  }

  /** e^clip(q W + b) per group into `out`; `clipped` marks the groups whose sum lies outside the bounds. */
  private logWeights(
    query: ArrayLike<number> | undefined,
    W: number,
    b: number,
    [lo, hi]: readonly [number, number],
    out: Float64Array,
    clipped: Uint8Array,
  ): void {
    const { Q, G } = this.o;
    const p = this.params;
    for (let g = 0; g < G; g++) {
      let u = p[b + g]!;
      if (query) for (let q = 0; q < Q; q++) u += (query[q] ?? 0) * p[W + q * G + g]!;
      if (u < lo || u > hi) clipped[g] = 1;
      out[g] = Math.exp(Math.min(hi, Math.max(lo, u)));
    }
  }

  /** Forward pass over one list; `rows` is [n x F] row-major. */
  forward(rows: ArrayLike<number>, n: number, query?: ArrayLike<number>): ListForward {
    const { F, G, H, A, c, W1, b1, w2, b2 } = this.o;
    const p = this.params;
    const gate = this.gate(query);
    const cap = this.shape.residualCap;
    const bf = this.shape.baseline?.feature;
    const wb = this.baselineWeight;
    const parts = this.shape.baseline?.parts;
    const norms = this.shape.baseline?.scoreParts;
    const { reweight, clipped, scoreWeight, scoreClipped } = this.reweight(query);
    const xs = new Float64Array(n * F);
    const s = new Float64Array(n * G);
    const pre = new Float64Array(n * H);
    const mlp = new Float64Array(n);
    const residual = new Float64Array(n);
    const base = new Float64Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const xo = i * F;
      for (let f = 0; f < F; f++) xs[xo + f] = (rows[xo + f]! - this.mean[f]!) * this.invStd[f]!;
      let total = 0;
      if (bf !== undefined) {
        let b = (base[i] = rows[xo + bf]!);
        if (parts)
          for (let g = 0; g < G; g++)
            if (parts[g]! >= 0 && reweight[g] !== 1)
              b += (reweight[g]! - 1) * rows[xo + parts[g]!]!;
        if (norms)
          for (let g = 0; g < G; g++)
            if (norms[g]! >= 0 && scoreWeight[g] !== 0)
              b += scoreWeight[g]! * rows[xo + norms[g]!]!;
        total += wb * b;
      }
      for (let g = 0; g < G; g++) {
        let z = p[c + g]!;
        for (const f of this.shape.groups[g]!.features) z += xs[xo + f]! * p[A + f * G + g]!;
        s[i * G + g] = z;
        total += gate[g]! * z;
      }
      let m = H > 0 ? p[b2]! : 0;
      for (let h = 0; h < H; h++) {
        let z = p[b1 + h]!;
        for (let f = 0; f < F; f++) z += xs[xo + f]! * p[W1 + f * H + h]!;
        pre[i * H + h] = z;
        if (z > 0) m += z * p[w2 + h]!;
      }
      mlp[i] = m;
      residual[i] = cap !== undefined ? cap * Math.tanh(m) : m;
      scores[i] = total + residual[i]!;
    }
    return {
      n,
      rows,
      xs,
      s,
      gate,
      pre,
      mlp,
      residual,
      base,
      wb,
      reweight,
      clipped,
      scoreWeight,
      scoreClipped,
      scores,
    };
  }

  /** Scores for feature rows (one Float32Array per candidate) and the list's query features. */
  score(rows: readonly ArrayLike<number>[], query?: ArrayLike<number>): Float32Array {
    return Float32Array.from(this.forward(flatten(rows, this.o.F), rows.length, query).scores);
  }

  /**
   * Multiplies the correction (group scores, the gate's log-reweighting, residual bound) by `lambda`: the held-out
   * shrinkage toward the baseline.
   */
  shrinkCorrection(lambda: number): void {
    const { F, G, A, Wu, size } = this.o;
    // A [F x G] and c [G] are adjacent in the layout, as are Wu [Q x G], bu [G] and (when present) Wv, bv, last.
    for (let i = 0; i < F * G + G; i++) this.params[A + i]! *= lambda;
    for (let i = Wu; i < size; i++) this.params[i]! *= lambda;
    if (this.shape.residualCap !== undefined) this.shape.residualCap *= lambda;
  }

  toJSON(): ModelJSON {
    return {
      kind: 'chorus-fusion',
      formatVersion: 3,
      // A copy: a model rebuilt from this JSON must not share (and mutate) this one's shape.
      shape: structuredClone(this.shape),
      gateTemperature: this.gateTemperature,
      mean: [...this.mean],
      invStd: [...this.invStd],
      params: [...this.params],
      meta: this.meta,
    };
  }

  static fromJSON(j: ModelJSON): FusionModel {
    if (j.kind !== 'chorus-fusion' || j.formatVersion !== 3)
      throw new Error(
        'not a chorus fusion model of format 3 (retrain models made before the preset baseline and its reweighting gate)',
      );
    return new FusionModel(
      j.shape,
      Float32Array.from(j.params),
      Float64Array.from(j.mean),
      Float64Array.from(j.invStd),
      j.gateTemperature,
      j.meta ?? {},
    );
  }
}

export function flatten(rows: readonly ArrayLike<number>[], F: number): Float32Array {
  const out = new Float32Array(rows.length * F);
  rows.forEach((r, i) => {
    if (r.length !== F)
      throw new Error(`feature row ${i} has ${r.length} values, the model expects ${F}`);
    for (let f = 0; f < F; f++) out[i * F + f] = r[f]!;
  });
  return out;
}
