/**
 * Shape of a fusion model and where each parameter block lives inside one flat Float32Array (so Adam,
 * serialisation and the ONNX export all walk one buffer):
 *   A  [F x G]  group-score weights, masked so group g only reads its own features
 *   c  [G]      group-score biases
 *   Wq [Q x G]  gate weights over query-level features
 *   bq [G]      gate biases
 *   W1 [F x H], b1 [H], w2 [H], b2 [1]   the MLP over all (standardised) features (the residual)
 *   lwb [1]     log of the baseline score's weight (its weight stays positive: the baseline's order is kept)
 *   Wu [Q x G], bu [G]   the gate's log-reweighting of each source's baseline part: u = q Wu + bu, weight e^u
 *   Wv [Q x G], bv [G]   (only with `baseline.scoreParts`) the per-query weight of each source's score-normalised
 *                        similarity beside the baseline: v = q Wv + bv, weight e^clip(v, 0, 3) - 1 (0 at start)
 */
export interface ModelShape {
  featureNames: string[];
  queryFeatureNames: string[];
  groups: { name: string; features: number[] }[];
  hidden: number;
  /**
   * The baseline fusion score the model corrects: its feature index (read raw), the fusion's name, and per group
   * the feature index of that source's part of the baseline (-1: none), which the gate reweights; and per group the
   * feature index of that source's min-max normalised score (-1: none), the score-based fusion family the gate can
   * add per query (so a rank-based baseline can become score fusion where the clicks say so, and back).
   */
  baseline?: { feature: number; fusion: string; parts?: number[]; scoreParts?: number[] };
  /** Per group: index of its source's coverage among the query features; a group with coverage 0 is out of the gate. */
  gateMask?: number[];
  /** Bound of the residual: cap * tanh(MLP). Absent: the MLP adds unbounded (LETOR models). */
  residualCap?: number;
  /** Features logged but not read by the model (their standardisation scale is 0). */
  inert?: number[];
}

export interface Offsets {
  F: number;
  Q: number;
  G: number;
  H: number;
  A: number;
  c: number;
  Wq: number;
  bq: number;
  W1: number;
  b1: number;
  w2: number;
  b2: number;
  lwb: number;
  Wu: number;
  bu: number;
  Wv: number;
  bv: number;
  size: number;
}

export function offsetsOf(s: ModelShape): Offsets {
  const F = s.featureNames.length;
  const Q = s.queryFeatureNames.length;
  const G = s.groups.length;
  const H = s.hidden;
  let o = 0;
  const take = (n: number) => ((o += n), o - n);
  const A = take(F * G);
  const c = take(G);
  const Wq = take(Q * G);
  const bq = take(G);
  const W1 = take(F * H);
  const b1 = take(H);
  const w2 = take(H);
  const b2 = take(1);
  const lwb = take(1);
  const Wu = take(Q * G);
  const bu = take(G);
  // Absent in models without score parts (their layout, and so their saved artifacts, stay as they were).
  const score = s.baseline?.scoreParts ? 1 : 0;
  const Wv = take(score * Q * G);
  const bv = take(score * G);
  return { F, Q, G, H, A, c, Wq, bq, W1, b1, w2, b2, lwb, Wu, bu, Wv, bv, size: o };
}

/** 1 where A[f, g] is a trainable weight (feature f belongs to group g). */
export function groupMask(s: ModelShape): Uint8Array {
  const F = s.featureNames.length;
  const G = s.groups.length;
  const mask = new Uint8Array(F * G);
  s.groups.forEach((g, gi) => {
    for (const f of g.features) mask[f * G + gi] = 1;
  });
  return mask;
}
