import type { FusionModel, ListForward } from './fusion-model.js';

/**
 * Accumulates dLoss/dParams into `grad` (same layout as model.params) given dLoss/dScore per item of a list.
 * Explicit gradients of the forward pass in fusion-model.ts; checked against finite differences in the tests.
 */
export function accumulateGradients(
  model: FusionModel,
  fw: ListForward,
  dScores: ArrayLike<number>,
  query: ArrayLike<number> | undefined,
  grad: Float64Array,
): void {
  const { F, Q, G, H, A, c, Wq, bq, W1, b1, w2, b2, lwb, Wu, bu, Wv, bv } = model.o;
  const p = model.params;
  const groups = model.shape.groups;
  const cap = model.shape.residualCap;
  const dGate = new Float64Array(G);
  const dh = new Float64Array(H);
  const parts = model.shape.baseline?.parts;
  const dU = new Float64Array(G);
  const norms = model.shape.baseline?.scoreParts;
  const dV = new Float64Array(G);
  for (let i = 0; i < fw.n; i++) {
    const d = dScores[i]!;
    if (d === 0) continue;
    const xo = i * F;
    // Baseline term wb * (base + sum_g (e^u_g - 1) part_g), wb = exp(lwb).
    if (model.shape.baseline) {
      let b = fw.base[i]!;
      if (parts)
        for (let g = 0; g < G; g++) {
          if (parts[g]! < 0) continue;
          const part = fw.rows[xo + parts[g]!]!;
          b += (fw.reweight[g]! - 1) * part;
          dU[g]! += d * fw.wb * fw.reweight[g]! * part;
        }
      // Score family: (e^v - 1) * norm, d/dv = e^v * norm.
      if (norms)
        for (let g = 0; g < G; g++) {
          if (norms[g]! < 0) continue;
          const norm = fw.rows[xo + norms[g]!]!;
          b += fw.scoreWeight[g]! * norm;
          dV[g]! += d * fw.wb * (fw.scoreWeight[g]! + 1) * norm;
        }
      grad[lwb]! += d * fw.wb * b;
    }
    // Gated group scores.
    for (let g = 0; g < G; g++) {
      dGate[g]! += d * fw.s[i * G + g]!;
      const ds = d * fw.gate[g]!;
      if (ds === 0) continue;
      grad[c + g]! += ds;
      for (const f of groups[g]!.features) grad[A + f * G + g]! += ds * fw.xs[xo + f]!;
    }
    // Residual: cap * tanh(m), m = w2 . relu(W1 x + b1) + b2.
    if (H > 0) {
      const t = cap !== undefined ? Math.tanh(fw.mlp[i]!) : 0;
      const dm = cap !== undefined ? d * cap * (1 - t * t) : d;
      if (dm === 0) continue;
      grad[b2]! += dm;
      let any = false;
      for (let h = 0; h < H; h++) {
        const z = fw.pre[i * H + h]!;
        if (z > 0) {
          grad[w2 + h]! += dm * z;
          dh[h] = dm * p[w2 + h]!;
          grad[b1 + h]! += dh[h]!;
          any = true;
        } else dh[h] = 0;
      }
      if (any) {
        for (let f = 0; f < F; f++) {
          const x = fw.xs[xo + f]!;
          if (x === 0) continue;
          const row = W1 + f * H;
          for (let h = 0; h < H; h++) grad[row + h]! += x * dh[h]!;
        }
      }
    }
  }
  if (parts)
    for (let g = 0; g < G; g++) {
      if (fw.clipped[g] || dU[g] === 0) continue;
      grad[bu + g]! += dU[g]!;
      if (query) for (let q = 0; q < Q; q++) grad[Wu + q * G + g]! += (query[q] ?? 0) * dU[g]!;
    }
  if (norms)
    for (let g = 0; g < G; g++) {
      if (fw.scoreClipped[g] || dV[g] === 0) continue;
      grad[bv + g]! += dV[g]!;
      if (query) for (let q = 0; q < Q; q++) grad[Wv + q * G + g]! += (query[q] ?? 0) * dV[g]!;
    }
  if (G === 0) return;
  // Softmax gate over the used groups (masked ones have gate 0 and get no gradient):
  // dlogit_g = gate_g * (dGate_g - sum_k gate_k dGate_k), logits scaled by 1/T.
  let dot = 0;
  for (let g = 0; g < G; g++) dot += fw.gate[g]! * dGate[g]!;
  const T = model.gateTemperature;
  for (let g = 0; g < G; g++) {
    const dl = (fw.gate[g]! * (dGate[g]! - dot)) / T;
    if (dl === 0) continue;
    grad[bq + g]! += dl;
    if (query) for (let q = 0; q < Q; q++) grad[Wq + q * G + g]! += (query[q] ?? 0) * dl;
  }
}
