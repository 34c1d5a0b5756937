import { REWEIGHT_BOUNDS, SCORE_WEIGHT_BOUNDS, type FusionModel } from './fusion-model.js';

/**
 * The average of several searched starts as one start: per query category, each source's weight on its baseline
 * part (e^u - 1) and on its normalised score (e^clip(v) - 1) is averaged over the members, so the committee scores
 * a list as the mean of the members' score functions (each member's scale is anchored by the same baseline term).
 * The averaged weights are written back as u = bu + q Wu (and v likewise) by least squares over the categories,
 * weighted by how many lists each has: exact when the features tell the categories apart linearly (a one-hot query
 * kind, say); with more combinations than that, the nearest weights the model can express. Averaging searches fitted
 * on different folds of the log keeps what they agree on and damps what one fold's noise alone chose (bagging).
 */
export function averageSearchedWeights(
  target: FusionModel,
  members: readonly Float32Array[],
  categories: readonly { x: ArrayLike<number>; lists: number }[],
  features: readonly number[],
  /** Per group: its level feature's index and mean level (weight-search.ts levelOf), or undefined. */
  levels: readonly ({ at: number; center: number } | undefined)[] = [],
): void {
  if (members.length === 0 || categories.length === 0) return;
  const { G, Wu, bu, Wv, bv, size } = target.o;
  if (members.some((m) => m.length !== size - Wu))
    throw new Error('committee members must carry the searched weights of the same layout');
  const blocks: { W: number; b: number; bounds: readonly [number, number] }[] = [
    { W: Wu, b: bu, bounds: REWEIGHT_BOUNDS },
  ];
  if (Wv < size) blocks.push({ W: Wv, b: bv, bounds: SCORE_WEIGHT_BOUNDS });
  const clamp = (z: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, z));
  // Design matrix over (bias, features); normal equations weighted by list counts, a tiny ridge for collinear flags.
  const P = features.length + 1;
  const row = (x: ArrayLike<number>) => [1, ...features.map((f) => Number(x[f] ?? 0))];
  const rows = categories.map((c) => row(c.x));
  const XtX = Array.from({ length: P }, () => new Float64Array(P));
  categories.forEach((c, k) => {
    for (let i = 0; i < P; i++)
      for (let j = 0; j < P; j++) XtX[i]![j]! += c.lists * rows[k]![i]! * rows[k]![j]!;
  });
  const total = categories.reduce((a, c) => a + c.lists, 0);
  for (let i = 0; i < P; i++) XtX[i]![i]! += 1e-6 * total;
  for (const blk of blocks) {
    for (let g = 0; g < G; g++) {
      // Each category's averaged weight, back in log space: the target of u (or v) there.
      const y = categories.map((c) => {
        let w = 0;
        for (const m of members) {
          let z = m[blk.b - Wu + g]!;
          for (const f of features) z += Number(c.x[f] ?? 0) * m[blk.W - Wu + f * G + g]!;
          // A member with a level slope: its weight at the mean level (the slope is averaged apart).
          const lv = blk.W === Wu ? levels[g] : undefined;
          if (lv) z += lv.center * m[lv.at * G + g]!;
          w += Math.exp(clamp(z, blk.bounds)) - 1;
        }
        return Math.log1p(w / members.length);
      });
      const Xty = new Float64Array(P);
      categories.forEach((c, k) => {
        for (let i = 0; i < P; i++) Xty[i]! += c.lists * rows[k]![i]! * y[k]!;
      });
      const beta = solve(
        XtX.map((r) => Float64Array.from(r)),
        Xty,
      );
      const p = target.params;
      p[blk.b + g] = beta[0]!;
      features.forEach((f, i) => (p[blk.W + f * G + g] = beta[i + 1]!));
      const lv = blk.W === Wu ? levels[g] : undefined;
      if (lv) {
        const slope = members.reduce((a, m) => a + m[lv.at * G + g]!, 0) / members.length;
        p[Wu + lv.at * G + g] = slope;
        p[bu + g]! -= slope * lv.center;
      }
    }
  }
}

/** Gauss-Jordan with partial pivoting on a small symmetric positive definite system. */
function solve(A: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    [b[c], b[piv]] = [b[piv]!, b[c]!];
    const d = A[c]![c]!;
    if (d === 0) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / d;
      if (f === 0) continue;
      for (let k = c; k < n; k++) A[r]![k]! -= f * A[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  return Float64Array.from(b, (v, i) => (A[i]![i] ? v / A[i]![i]! : 0));
}

/**
 * The committee of `members` (searched log-weights: the tail of the layout from Wu) written into `target`, over the
 * query categories of `queries` (the lists the members were searched on): the 0/1 query features among `categorical`
 * that any member conditioned on, and how many lists each combination of them has.
 */
export function committeeStart(
  target: FusionModel,
  members: readonly Float32Array[],
  queries: Iterable<ArrayLike<number> | undefined>,
  categorical: readonly number[],
  levelOf?: (group: string) => number,
): void {
  const { G, Wu, Wv, size } = target.o;
  const blocks = Wv < size ? [Wu, Wv] : [Wu];
  const features = categorical.filter((f) =>
    members.some((t) =>
      blocks.some((W) => {
        for (let g = 0; g < G; g++) if (t[W - Wu + f * G + g] !== 0) return true;
        return false;
      }),
    ),
  );
  const byKey = new Map<string, { x: ArrayLike<number>; lists: number }>();
  const list = [...queries];
  for (const q of list) {
    if (!q) continue;
    const key = features.map((f) => q[f]).join(',');
    const e = byKey.get(key);
    if (e) e.lists++;
    else byKey.set(key, { x: q, lists: 1 });
  }
  const all = list.filter((q): q is ArrayLike<number> => q !== undefined);
  const levels = target.shape.groups.map((gr) => {
    const at = levelOf?.(gr.name) ?? -1;
    if (at < 0) return undefined;
    const used = all.map((q) => Number(q[at] ?? 0)).filter((v) => v > 0);
    return { at, center: used.reduce((a, v) => a + v, 0) / Math.max(1, used.length) };
  });
  averageSearchedWeights(target, members, [...byKey.values()], features, levels);
}
