import { REWEIGHT_BOUNDS, type FusionModel } from './fusion-model.js';
import type { TrainList } from './samples.js';

/** Values tried for each coordinate of the gate's log-reweighting (e^-3 ~ a source switched off, e^1.5 ~ 4.5x). */
export const WEIGHT_GRID: readonly number[] = [-3, -1.5, -0.75, 0, 0.75, 1.5];

export interface WeightSearchOptions {
  /** Relative examination propensities by position (the counterfactual objective's IPS). */
  propensities: ArrayLike<number>;
  clip?: number;
  /** Query features the search may condition on: those that are 0/1 in the data (query kind, used sources, ...). */
  categorical: readonly number[];
  sweeps?: number;
  grid?: readonly number[];
  /** Cap on the lists the objective reads (spread over the training set). */
  maxLists?: number;
}

export interface WeightSearchResult {
  /** Training counterfactual clicks per list at the start (the baseline) and at the end. */
  start: number;
  end: number;
  evaluations: number;
  seconds: number;
  /** Coordinates that moved: 'bias' or a query feature index, per source group. */
  moved: { group: number; feature: number | 'bias'; value: number }[];
}

interface Packed {
  n: number;
  base: Float64Array;
  /** [n x G] each source's part of the baseline. */
  parts: Float64Array;
  query: ArrayLike<number>;
  /** IPS-weighted click mass per item and its logged position. */
  clicks: Float64Array;
  positions: Int32Array;
}

/**
 * Tunes the preset's per-source weights by coordinate search on the training clicks, the way one tunes fusion
 * weights by hand, but per query category: u_g = bu_g + sum_c q_c Wu[c, g] over the 0/1 query features (kind,
 * which sources the query used, ...), each coordinate tried on a grid, kept when the counterfactual clicks of the
 * training lists (their shown items reordered, position-based IPS) rise. Writes bu/Wu into `model` (whose other
 * corrections should be zero) and leaves everything else alone. The caller compares the result on held-out
 * queries against the baseline and the gradient-trained model.
 */
export function searchReweighting(
  model: FusionModel,
  lists: readonly TrainList[],
  o: WeightSearchOptions,
): WeightSearchResult {
  const parts = model.shape.baseline?.parts;
  const base = model.shape.baseline?.feature;
  const { F, Q, G, Wu, bu } = model.o;
  if (!parts || base === undefined || Q === 0)
    return { start: 0, end: 0, evaluations: 0, seconds: 0, moved: [] };
  const t0 = performance.now();
  const stride = Math.max(1, Math.ceil(lists.length / (o.maxLists ?? 5_000)));
  const packed: Packed[] = [];
  const usedGroup = new Uint8Array(G);
  for (let l = 0; l < lists.length; l += stride) {
    const t = lists[l]!;
    if (!t.positions || !t.query || !t.relevance.some((r) => r > 0)) continue;
    const p: Packed = {
      n: t.n,
      base: new Float64Array(t.n),
      parts: new Float64Array(t.n * G),
      query: t.query,
      clicks: Float64Array.from(t.relevance),
      positions: t.positions,
    };
    for (let i = 0; i < t.n; i++) {
      p.base[i] = t.rows[i * F + base]!;
      for (let g = 0; g < G; g++) {
        if (parts[g]! < 0) continue;
        const v = t.rows[i * F + parts[g]!]!;
        p.parts[i * G + g] = v;
        if (v > 0) usedGroup[g] = 1;
      }
    }
    packed.push(p);
  }
  const clip = o.clip ?? 10;
  const K = o.propensities.length;
  const prop = (k: number) => (k < K ? o.propensities[k]! : 0);
  // Only categorical features that take both values in the data can separate queries; of features equal on every
  // list (e.g. a kind that implies a modality flag) one is kept.
  const seenColumns = new Set<string>();
  const features = o.categorical.filter((q) => {
    let zero = false;
    let one = false;
    let column = '';
    for (const p of packed) {
      const v = p.query[q] ?? 0;
      if (v === 0) zero = true;
      else if (v === 1) one = true;
      else return false;
      column += v;
    }
    if (!zero || !one || seenColumns.has(column)) return false;
    seenColumns.add(column);
    return true;
  });
  // Each coordinate touches only the lists where its source has a part and its feature is 1 (all, for the bias).
  const coords: { group: number; at: number; feature: number | 'bias'; lists: number[] }[] = [];
  for (let g = 0; g < G; g++) {
    if (!usedGroup[g]) continue;
    const withGroup = packed.flatMap((p, l) => {
      for (let i = 0; i < p.n; i++) if (p.parts[i * G + g]! > 0) return [l];
      return [];
    });
    coords.push({ group: g, at: bu + g, feature: 'bias', lists: withGroup });
    for (const q of features)
      coords.push({
        group: g,
        at: Wu + q * G + g,
        feature: q,
        lists: withGroup.filter((l) => packed[l]!.query[q] === 1),
      });
  }
  const u = new Float64Array(G);
  const scores = new Float64Array(Math.max(1, ...packed.map((p) => p.n)));
  const order: number[] = [];
  let evaluations = 0;
  /** Counterfactual clicks of one list under the current reweighting. */
  const listValue = (p: Packed): number => {
    for (let g = 0; g < G; g++) {
      // Only the searched features move (the rest of Wu stays 0): read just those.
      let z = model.params[bu + g]!;
      for (const q of features) z += (p.query[q] ?? 0) * model.params[Wu + q * G + g]!;
      u[g] = Math.exp(Math.min(REWEIGHT_BOUNDS[1], Math.max(REWEIGHT_BOUNDS[0], z))) - 1;
    }
    order.length = 0;
    for (let i = 0; i < p.n; i++) {
      let s = p.base[i]!;
      for (let g = 0; g < G; g++) s += u[g]! * p.parts[i * G + g]!;
      scores[i] = s;
      order.push(i);
    }
    // Ties keep the shown order, as the counterfactual estimator does.
    order.sort((a, b) => scores[b]! - scores[a]! || a - b);
    let v = 0;
    for (let r = 0; r < p.n; r++) {
      const i = order[r]!;
      const c = p.clicks[i]!;
      if (c === 0) continue;
      const old = prop(Math.min(p.positions[i]!, K - 1));
      v += c * Math.min(clip, old > 0 ? prop(r) / old : 0);
    }
    return v;
  };
  const values = Float64Array.from(packed, listValue);
  let total = values.reduce((x, v) => x + v, 0);
  const mean = () => total / Math.max(1, packed.length);

  const grid = o.grid ?? WEIGHT_GRID;
  const start = mean();
  for (let sweep = 0; sweep < (o.sweeps ?? 3); sweep++) {
    let improved = false;
    for (const c of coords) {
      if (c.lists.length === 0) continue;
      const keep = model.params[c.at]!;
      let bestValue = keep;
      let bestTotal = total;
      for (const v of grid) {
        if (v === keep) continue;
        model.params[c.at] = v;
        evaluations++;
        let t = total;
        for (const l of c.lists) t += listValue(packed[l]!) - values[l]!;
        // A real gain only: ties and noise-level changes keep the current (preset-nearer) value.
        if (t > bestTotal + 1e-9 * packed.length) {
          bestTotal = t;
          bestValue = v;
        }
      }
      model.params[c.at] = bestValue;
      if (bestValue !== keep) {
        improved = true;
        for (const l of c.lists) values[l] = listValue(packed[l]!);
        total = values.reduce((x, v) => x + v, 0);
      }
    }
    if (!improved) break;
  }
  const best = mean();
  const moved = coords
    .filter((c) => model.params[c.at] !== 0)
    .map((c) => ({ group: c.group, feature: c.feature, value: model.params[c.at]! }));
  return { start, end: best, evaluations, seconds: (performance.now() - t0) / 1000, moved };
}
