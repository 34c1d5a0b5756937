import type { Rng } from '../random.js';
import { groupMask, offsetsOf, type ModelShape, type Offsets } from './layout.js';

export interface ModelJSON {
  kind: 'chorus-fusion';
  formatVersion: 1;
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
  /** Standardised rows [n x F]. */
  xs: Float64Array;
  /** Group scores [n x G]. */
  s: Float64Array;
  gate: Float64Array;
  /** MLP hidden pre-activations [n x H]. */
  pre: Float64Array;
  mlp: Float64Array;
  scores: Float64Array;
}

export interface ItemExplanation {
  /** Per modality group: its score (before the gate). */
  scores: Record<string, number>;
  /** Per modality group and 'mlp': share of |final score| mass (sums to 1). */
  shares: Record<string, number>;
  gate: Record<string, number>;
}

/**
 * The fusion model: score = sum_g gate_g(q) * s_g(x) + MLP(x), where s_g reads only modality g's features,
 * gate = softmax((q Wq + bq) / T) over query-level features, and the MLP (one ReLU layer) reads everything.
 * The gate makes the per-query modality weighting explicit, which is also what the explanations report.
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
    if (params.length !== this.o.size) throw new Error(`expected ${this.o.size} parameters, got ${params.length}`);
  }

  static init(shape: ModelShape, rng: Rng, mean: Float64Array, invStd: Float64Array, gateTemperature = 1): FusionModel {
    const o = offsetsOf(shape);
    const p = new Float32Array(o.size);
    const mask = groupMask(shape);
    for (let i = 0; i < o.F * o.G; i++) if (mask[i]) p[o.A + i] = rng.normal() * 0.1;
    for (let i = 0; i < o.Q * o.G; i++) p[o.Wq + i] = rng.normal() * 0.1;
    const s1 = Math.sqrt(2 / Math.max(1, o.F));
    for (let i = 0; i < o.F * o.H; i++) p[o.W1 + i] = rng.normal() * s1;
    const s2 = Math.sqrt(1 / Math.max(1, o.H));
    for (let i = 0; i < o.H; i++) p[o.w2 + i] = rng.normal() * s2;
    return new FusionModel(shape, p, mean, invStd, gateTemperature);
  }

  /** Gate weights for one query-feature vector. */
  gate(query: ArrayLike<number> | undefined): Float64Array {
    const { Q, G, Wq, bq } = this.o;
    const p = this.params;
    const logits = new Float64Array(G);
    for (let g = 0; g < G; g++) {
      let z = p[bq + g]!;
      if (query) for (let q = 0; q < Q; q++) z += (query[q] ?? 0) * p[Wq + q * G + g]!;
      logits[g] = z / this.gateTemperature;
    }
    let max = -Infinity;
    for (let g = 0; g < G; g++) max = Math.max(max, logits[g]!);
    let sum = 0;
    for (let g = 0; g < G; g++) sum += logits[g] = Math.exp(logits[g]! - max);
    for (let g = 0; g < G; g++) logits[g]! /= sum;
    return logits;
  }

  /** Forward pass over one list; `rows` is [n x F] row-major. */
  forward(rows: ArrayLike<number>, n: number, query?: ArrayLike<number>): ListForward {
    const { F, G, H, A, c, W1, b1, w2, b2 } = this.o;
    const p = this.params;
    const gate = this.gate(query);
    const xs = new Float64Array(n * F);
    const s = new Float64Array(n * G);
    const pre = new Float64Array(n * H);
    const mlp = new Float64Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const xo = i * F;
      for (let f = 0; f < F; f++) xs[xo + f] = (rows[xo + f]! - this.mean[f]!) * this.invStd[f]!;
      let total = 0;
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
      scores[i] = total + m;
    }
    return { n, xs, s, gate, pre, mlp, scores };
  }

  /** Scores for feature rows (one Float32Array per candidate) and the list's query features. */
  score(rows: readonly ArrayLike<number>[], query?: ArrayLike<number>): Float32Array {
    return Float32Array.from(this.forward(flatten(rows, this.o.F), rows.length, query).scores);
  }

  /** Each modality group's score and its share of the final score (gate-weighted contributions and the MLP). */
  explain(fw: ListForward, i: number): ItemExplanation {
    const { G } = this.o;
    const scores: Record<string, number> = {};
    const gate: Record<string, number> = {};
    const contrib: [string, number][] = [];
    for (let g = 0; g < G; g++) {
      const name = this.shape.groups[g]!.name;
      scores[name] = fw.s[i * G + g]!;
      gate[name] = fw.gate[g]!;
      contrib.push([name, fw.gate[g]! * fw.s[i * G + g]!]);
    }
    contrib.push(['mlp', fw.mlp[i]!]);
    const mass = contrib.reduce((a, [, v]) => a + Math.abs(v), 0);
    const shares = Object.fromEntries(contrib.map(([k, v]) => [k, mass > 0 ? Math.abs(v) / mass : 0]));
    return { scores, shares, gate };
  }

  toJSON(): ModelJSON {
    return {
      kind: 'chorus-fusion',
      formatVersion: 1,
      shape: this.shape,
      gateTemperature: this.gateTemperature,
      mean: [...this.mean],
      invStd: [...this.invStd],
      params: [...this.params],
      meta: this.meta,
    };
  }

  static fromJSON(j: ModelJSON): FusionModel {
    if (j.kind !== 'chorus-fusion' || j.formatVersion !== 1) throw new Error('not a chorus fusion model (format 1)');
    return new FusionModel(j.shape, Float32Array.from(j.params), Float64Array.from(j.mean), Float64Array.from(j.invStd), j.gateTemperature, j.meta ?? {});
  }
}

export function flatten(rows: readonly ArrayLike<number>[], F: number): Float32Array {
  const out = new Float32Array(rows.length * F);
  rows.forEach((r, i) => {
    if (r.length !== F) throw new Error(`feature row ${i} has ${r.length} values, the model expects ${F}`);
    for (let f = 0; f < F; f++) out[i * F + f] = r[f]!;
  });
  return out;
}
