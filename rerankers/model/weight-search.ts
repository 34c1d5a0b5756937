import { REWEIGHT_BOUNDS, SCORE_WEIGHT_BOUNDS, type FusionModel } from './fusion-model.js';
import type { TrainList } from './samples.js';

/** Values tried for each coordinate of the gate's log-reweighting (e^-3 ~ a source switched off, e^1.5 ~ 4.5x). */
export const WEIGHT_GRID: readonly number[] = [-3, -1.5, -0.75, 0, 0.75, 1.5];

/**
 * Values tried for each coordinate of the score family's log-weight v (weight e^clip(v, 0, 3) - 1: 0, 0.1, 0.28,
 * 0.65, 1.7, 3.5, 8.5, 19; negative values let a query category switch off what the bias turned on).
 */
export const SCORE_GRID: readonly number[] = [-3, -1, -0.5, 0, 0.1, 0.25, 0.5, 1, 1.5, 2.25, 3];

/** Every source's score-family bias the search starts from (0 = the baseline alone). */
const SCORE_STARTS: readonly number[] = [0, 0.25, 1, 2.25];

export interface WeightSearchOptions {
  /** Relative examination propensities by position (the counterfactual objective's IPS). */
  propensities: ArrayLike<number>;
  clip?: number;
  /** Query features the search may condition on: those that are 0/1 in the data (query kind, used sources, ...). */
  categorical: readonly number[];
  sweeps?: number;
  /** Cap on the lists the objective reads (spread over the training set). */
  maxLists?: number;
  /**
   * Per source group, the index of a continuous query feature (the list's best raw score) that may scale its
   * baseline weight per query, u_g += beta_g (level_g - mean level_g); -1 or absent: none.
   */
  levelOf?: (group: string) => number;
}

/** Values tried for each source's level slope beta. */
export const LEVEL_GRID: readonly number[] = [-8, -4, 4, 8, 16];

type Block = 'reweight' | 'score' | 'level';

export interface WeightSearchResult {
  /** Training counterfactual clicks per list at the start (the baseline) and at the end. */
  start: number;
  end: number;
  evaluations: number;
  seconds: number;
  /** Coordinates that moved: per source group and family, 'bias' or a query feature index. */
  moved: { block: Block; group: number; feature: number | 'bias'; value: number }[];
}

interface Packed {
  n: number;
  base: Float64Array;
  /** [n x G] each source's part of the baseline. */
  parts: Float64Array;
  /** [n x G] each source's normalised score (0 without score parts). */
  norms: Float64Array;
  query: ArrayLike<number>;
  /** IPS-weighted click mass per item and its logged position's propensity. */
  clicks: Float64Array;
  old: Float64Array;
  /** Index of the list's query category (its values of the searched features): lists of one category share u, v. */
  category: number;
  /** [G] each source's level query feature (0 without one). */
  level: Float64Array;
}

interface Coord {
  block: Block;
  /** -1: every source of the family at once. */
  group: number;
  at: number[];
  feature: number | 'bias';
  lists: number[];
}

/**
 * Tunes the fusion per query category by coordinate search on the training clicks, the way one tunes fusion
 * weights by hand, over both families the model weighs per query: the baseline's per-source parts (log-weight
 * u_g = bu_g + sum_c q_c Wu[c, g]) and, when the shape has score parts, each source's min-max normalised score
 * (log-weight v_g = bv_g + sum_c q_c Wv[c, g], weight e^v - 1), over the 0/1 query features c (kind, which
 * sources the query used, ...). So a rank-based baseline (RRF) can become score fusion for the categories where
 * clicks say so and stay RRF elsewhere. Each coordinate is tried on a grid and kept when the counterfactual clicks
 * of the training lists (their shown items reordered, position-based IPS) rise; the score family is climbed from
 * a few starting levels and the best end kept. Writes bu/Wu and bv/Wv into `model` (whose corrections should be
 * zero) and leaves everything else alone. The caller compares the result on held-out queries against the baseline
 * and the gradient-trained model.
 */
export function searchReweighting(
  model: FusionModel,
  lists: readonly TrainList[],
  o: WeightSearchOptions,
): WeightSearchResult {
  const parts = model.shape.baseline?.parts;
  const norms = model.shape.baseline?.scoreParts;
  const base = model.shape.baseline?.feature;
  const { F, Q, G, Wu, bu, Wv, bv } = model.o;
  if (!parts || base === undefined || Q === 0)
    return { start: 0, end: 0, evaluations: 0, seconds: 0, moved: [] };
  const t0 = performance.now();
  const K = o.propensities.length;
  const clip = o.clip ?? 10;
  const stride = Math.max(1, Math.ceil(lists.length / (o.maxLists ?? 5_000)));
  const packed: Packed[] = [];
  const usedGroup = new Uint8Array(G);
  const levelAt = model.shape.groups.map((gr) => o.levelOf?.(gr.name) ?? -1);
  for (let l = 0; l < lists.length; l += stride) {
    const t = lists[l]!;
    if (!t.positions || !t.query || !t.relevance.some((r) => r > 0)) continue;
    const p: Packed = {
      n: t.n,
      base: new Float64Array(t.n),
      parts: new Float64Array(t.n * G),
      norms: new Float64Array(t.n * G),
      query: t.query,
      clicks: Float64Array.from(t.relevance),
      old: Float64Array.from(t.positions, (k) =>
        K > 0 ? Number(o.propensities[Math.min(k, K - 1)]) : 0,
      ),
      category: 0,
      level: new Float64Array(G),
    };
    for (let g = 0; g < G; g++)
      if (levelAt[g]! >= 0) p.level[g] = Number(t.query[levelAt[g]!] ?? 0);
    for (let i = 0; i < t.n; i++) {
      p.base[i] = t.rows[i * F + base]!;
      for (let g = 0; g < G; g++) {
        if (norms && norms[g]! >= 0) p.norms[i * G + g] = t.rows[i * F + norms[g]!]!;
        if (parts[g]! < 0) continue;
        const v = t.rows[i * F + parts[g]!]!;
        p.parts[i * G + g] = v;
        if (v > 0) usedGroup[g] = 1;
      }
    }
    packed.push(p);
  }
  const features = separatingFeatures(packed, o.categorical);
  // The searched weights of a list depend only on its values of `features`: computed once per category and
  // parameter change, not once per list and evaluation.
  const categoryOf = new Map<string, number>();
  const categoryX: Float64Array[] = [];
  for (const l of packed) {
    const x = Float64Array.from(features, (q) => l.query[q] ?? 0);
    const key = x.join(',');
    let c = categoryOf.get(key);
    if (c === undefined) {
      categoryOf.set(key, (c = categoryX.length));
      categoryX.push(x);
    }
    l.category = c;
  }
  // u, w of each category ([category x G] each), valid while its stamp equals the parameters' version.
  const catU = new Float64Array(categoryX.length * G);
  const catZ = new Float64Array(categoryX.length * G);
  const catW = new Float64Array(categoryX.length * G);
  const catStamp = new Int32Array(categoryX.length).fill(-1);
  let version = 0;
  // Each coordinate touches only the lists where its source has a part and its feature is 1 (all, for the bias).
  const coords: Coord[] = [];
  const withGroup: number[][] = [];
  for (let g = 0; g < G; g++)
    withGroup.push(
      usedGroup[g]
        ? packed.flatMap((p, l) => {
            for (let i = 0; i < p.n; i++) if (p.parts[i * G + g]! > 0) return [l];
            return [];
          })
        : [],
    );
  const inCategory = (ls: number[], q: number | 'bias') =>
    q === 'bias' ? ls : ls.filter((l) => packed[l]!.query[q] === 1);
  const scored = (g: number) => usedGroup[g] === 1 && norms !== undefined && norms[g]! >= 0;
  // Category coordinates before the bias: a category's own move touches only its lists, so it is tried before a
  // bias move that would trade one category's gain against another's loss. The score family first moves as a whole
  // per category (all sources together: the family's choice), then per source.
  for (const q of [...features, 'bias' as const]) {
    const gs = [...Array(G).keys()].filter(scored);
    if (gs.length > 1)
      coords.push({
        block: 'score',
        group: -1,
        at: gs.map((g) => (q === 'bias' ? bv : Wv + q * G) + g),
        feature: q,
        lists: [...new Set(gs.flatMap((g) => inCategory(withGroup[g]!, q)))],
      });
  }
  for (let g = 0; g < G; g++) {
    if (!usedGroup[g]) continue;
    const blocks: [Block, number, number][] = [['reweight', bu, Wu]];
    if (scored(g)) blocks.push(['score', bv, Wv]);
    for (const [block, b, W] of blocks)
      for (const q of [...features, 'bias' as const])
        coords.push({
          block,
          group: g,
          at: [(q === 'bias' ? b : W + q * G) + g],
          feature: q,
          lists: inCategory(withGroup[g]!, q),
        });
  }
  // Each source's level slope, centred on the mean level of the lists that use it (the bias stays the weight at the
  // mean; written back uncentred at the end).
  const center = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    if (!usedGroup[g] || levelAt[g]! < 0) continue;
    const ls = withGroup[g]!;
    center[g] = ls.reduce((x, l) => x + packed[l]!.level[g]!, 0) / Math.max(1, ls.length);
    coords.push({
      block: 'level',
      group: g,
      at: [Wu + levelAt[g]! * G + g],
      feature: levelAt[g]!,
      lists: withGroup[g]!,
    });
  }
  const listU = new Float64Array(G);
  // Each source's level slope, read once per parameter change (not per list evaluation, millions of them).
  const slope = new Float64Array(G);
  let sloped = false;
  let slopeStamp = -1;
  const longest = Math.max(1, ...packed.map((p) => p.n));
  const scores = new Float64Array(longest);
  const order = new Int32Array(longest);
  const prop = Float64Array.from(o.propensities);
  let evaluations = 0;
  const p = model.params;
  const weightsOf = (c: number) => {
    const x = categoryX[c]!;
    for (let g = 0; g < G; g++) {
      // Only the searched features move (the rest of Wu and Wv stays 0): read just those.
      let z = p[bu + g]!;
      let y = norms ? p[bv + g]! : 0;
      for (let k = 0; k < features.length; k++) {
        const q = features[k]!;
        z += x[k]! * p[Wu + q * G + g]!;
        if (norms) y += x[k]! * p[Wv + q * G + g]!;
      }
      catZ[c * G + g] = z;
      catU[c * G + g] = Math.exp(Math.min(REWEIGHT_BOUNDS[1], Math.max(REWEIGHT_BOUNDS[0], z))) - 1;
      catW[c * G + g] =
        Math.exp(Math.min(SCORE_WEIGHT_BOUNDS[1], Math.max(SCORE_WEIGHT_BOUNDS[0], y))) - 1;
    }
    catStamp[c] = version;
  };
  const readSlopes = () => {
    sloped = false;
    for (let g = 0; g < G; g++) {
      slope[g] = levelAt[g]! >= 0 ? p[Wu + levelAt[g]! * G + g]! : 0;
      if (slope[g] !== 0) sloped = true;
    }
    slopeStamp = version;
  };
  /** Counterfactual clicks of one list under the current weights (the score over wb: the model's order). */
  const listValue = (l: Packed): number => {
    const c = l.category;
    if (catStamp[c] !== version) weightsOf(c);
    if (slopeStamp !== version) readSlopes();
    const at = c * G;
    let U = catU;
    let uAt = at;
    if (sloped) {
      for (let g = 0; g < G; g++) {
        const z = catZ[at + g]! + slope[g]! * (l.level[g]! - center[g]!);
        listU[g] = Math.exp(Math.min(REWEIGHT_BOUNDS[1], Math.max(REWEIGHT_BOUNDS[0], z))) - 1;
      }
      U = listU;
      uAt = 0;
    }
    // Insertion sort by score, descending; ties keep the shown order, as the counterfactual estimator does (the
    // same total order as sorting by (-score, index); this runs millions of times on 10-item lists).
    for (let i = 0; i < l.n; i++) {
      let s = l.base[i]!;
      for (let g = 0; g < G; g++)
        s += U[uAt + g]! * l.parts[i * G + g]! + catW[at + g]! * l.norms[i * G + g]!;
      scores[i] = s;
      let j = i - 1;
      while (j >= 0 && scores[order[j]!]! < s) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = i;
    }
    return counterfactualClicks(l, order, prop, K, clip);
  };
  const values = new Float64Array(packed.length);
  let total = 0;
  const evaluateAll = () => {
    for (let l = 0; l < packed.length; l++) values[l] = listValue(packed[l]!);
    total = values.reduce((x, v) => x + v, 0);
  };
  evaluateAll();
  const mean = () => total / Math.max(1, packed.length);
  const start = mean();

  /** Greedy coordinate ascent from the current point; each coordinate tried on its grid. */
  const climb = () => {
    for (let sweep = 0; sweep < (o.sweeps ?? 3); sweep++) {
      let improved = false;
      for (const c of coords) {
        if (c.lists.length === 0) continue;
        const keep = c.at.map((i) => p[i]!);
        let bestValue: number | undefined;
        let bestTotal = total;
        for (const v of c.block === 'score'
          ? SCORE_GRID
          : c.block === 'level'
            ? LEVEL_GRID
            : WEIGHT_GRID) {
          if (c.at.every((i) => p[i] === v) || keep.every((k) => k === v)) continue;
          for (const i of c.at) p[i] = v;
          version++;
          evaluations++;
          let t = total;
          for (const l of c.lists) t += listValue(packed[l]!) - values[l]!;
          // A real gain only: ties and noise-level changes keep the current (preset-nearer) value.
          if (t > bestTotal + 1e-9 * packed.length) {
            bestTotal = t;
            bestValue = v;
          }
        }
        c.at.forEach((i, k) => (p[i] = bestValue ?? keep[k]!));
        version++;
        if (bestValue !== undefined) {
          improved = true;
          for (const l of c.lists) values[l] = listValue(packed[l]!);
          total = values.reduce((x, v) => x + v, 0);
        }
      }
      if (!improved) break;
    }
  };
  // Greedy ascent can stall between the families (one source's score alone may not beat the baseline until the
  // others join): climb from a few levels of every source's score weight, from the baseline each time, and keep
  // the best end; ties go to the earlier (baseline-nearer) start.
  let best = { total: -Infinity, params: [] as number[] };
  for (const s0 of norms ? SCORE_STARTS : [0]) {
    for (const c of coords)
      for (const i of c.at) p[i] = c.block === 'score' && c.feature === 'bias' ? s0 : 0;
    version++;
    evaluateAll();
    climb();
    if (total > best.total + 1e-9 * packed.length)
      best = { total, params: coords.flatMap((c) => c.at.map((i) => p[i]!)) };
  }
  let k = 0;
  for (const c of coords) for (const i of c.at) p[i] = best.params[k++]!;
  version++;
  total = best.total;
  // The search's bias is the weight at the mean level; the model reads u = bu + q Wu with the raw level.
  for (let g = 0; g < G; g++)
    if (levelAt[g]! >= 0) p[bu + g]! -= p[Wu + levelAt[g]! * G + g]! * center[g]!;
  const moved = coords
    .filter((c) => c.group >= 0 && p[c.at[0]!] !== 0)
    .map((c) => ({ block: c.block, group: c.group, feature: c.feature, value: p[c.at[0]!]! }));
  return { start, end: mean(), evaluations, seconds: (performance.now() - t0) / 1000, moved };
}

/** Position-based IPS clicks of a list's logged clicks when shown in `order` (propensities of K positions). */
function counterfactualClicks(
  p: Packed,
  order: Int32Array,
  propensities: Float64Array,
  K: number,
  clip: number,
): number {
  let v = 0;
  for (let r = 0; r < p.n; r++) {
    const i = order[r]!;
    const c = p.clicks[i]!;
    if (c === 0) continue;
    const old = p.old[i]!;
    v += c * Math.min(clip, old > 0 ? (r < K ? propensities[r]! : 0) / old : 0);
  }
  return v;
}

/**
 * Only categorical features that take both values in the data can separate queries; of features equal on every
 * list (e.g. a kind that implies a modality flag) one is kept.
 */
function separatingFeatures(packed: readonly Packed[], categorical: readonly number[]): number[] {
  const seenColumns = new Set<string>();
  return categorical.filter((q) => {
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
}
