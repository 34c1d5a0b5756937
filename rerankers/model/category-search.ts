import { REWEIGHT_BOUNDS, type FusionModel } from './fusion-model.js';
import type { TrainList } from './samples.js';
import { weightsAt, writeCategoryWeights } from './committee.js';
import type { WeightSearchOptions } from './weight-search.js';

/**
 * Lists with clicks a query category needs for a search of its own; a smaller category takes the pooled search's
 * weights (a dozen lists cannot tell a dozen weights apart).
 */
export const MIN_CATEGORY_LISTS = 30;

/**
 * The 0/1 query features among `categorical` that split `queries` into categories: those taking both values, one of
 * each set of identical columns (a kind that implies a modality flag). Mirrors weight-search's choice.
 */
export function categoryFeatures(
  queries: readonly (ArrayLike<number> | undefined)[],
  categorical: readonly number[],
): number[] {
  const seen = new Set<string>();
  return categorical.filter((q) => {
    let zero = false;
    let one = false;
    let column = '';
    for (const x of queries) {
      const v = x?.[q] ?? 0;
      if (v === 0) zero = true;
      else if (v === 1) one = true;
      else return false;
      column += v;
    }
    if (!zero || !one || seen.has(column)) return false;
    seen.add(column);
    return true;
  });
}

/** Relative weights tried for each source's normalised score in the score-fusion family (a hand-tuning grid). */
export const FUSION_GRID: readonly number[] = [0, 0.25, 0.5, 1, 2];
/** The grid's weights are written as e^v - 1 = FUSION_SCALE * w (inside v's bounds [0, 3]). */
const FUSION_SCALE = 4;
/** Sources a category may weigh jointly on the grid (5^4 = 625 tries); categories with more keep the pooled weights. */
const MAX_FUSION_SOURCES = 4;

/**
 * Weighted score fusion tuned per query category: the baseline's parts switched off (u at its lower bound, so the
 * baseline only breaks ties) and every used source's normalised score weighted by an exhaustive grid over
 * FUSION_GRID, kept where the category's counterfactual clicks (position-based IPS on its logged lists) are
 * highest. This is weights tuned by hand per query kind, the strongest simple alternative to the learned start, as
 * one more family the start's cross-validation can choose (start-check.ts). Categories with too few lists or too many
 * sources keep `pooled`'s weights. Written into `model` by least squares over the categories (committee.ts).
 */
export function searchScoreFusion(
  model: FusionModel,
  lists: readonly TrainList[],
  o: WeightSearchOptions,
  pooled?: Float32Array,
): { categories: number; searched: number } {
  const parts = model.shape.baseline?.parts;
  const norms = model.shape.baseline?.scoreParts;
  const { F, G } = model.o;
  const clicked = lists.filter((l) => l.query && l.positions && l.relevance.some((r) => r > 0));
  const features = categoryFeatures(
    clicked.map((l) => l.query),
    o.categorical,
  );
  const byKey = new Map<string, { x: ArrayLike<number>; lists: TrainList[] }>();
  for (const l of clicked) {
    const key = features.map((f) => l.query![f]).join(',');
    const c = byKey.get(key);
    if (c) c.lists.push(l);
    else byKey.set(key, { x: l.query!, lists: [l] });
  }
  const zero = new Float32Array(model.o.size - model.o.Wu);
  const prop = Float64Array.from(o.propensities);
  const K = prop.length;
  const clip = o.clip ?? 10;
  let searched = 0;
  const categories = [...byKey.values()].map((c) => {
    const fallback = {
      x: c.x,
      lists: c.lists.length,
      weights: weightsAt(model, pooled ?? zero, c.x, o.categorical),
    };
    if (!parts || !norms || c.lists.length < MIN_CATEGORY_LISTS) return fallback;
    const used = [...Array(G).keys()].filter(
      (g) => norms[g]! >= 0 && c.lists.some((l) => hasValue(l, F, norms[g]!)),
    );
    if (used.length === 0 || used.length > MAX_FUSION_SOURCES) return fallback;
    const stride = Math.max(1, Math.ceil(c.lists.length / (o.maxLists ?? 5_000)));
    const sample = packLists(
      c.lists.filter((_, i) => i % stride === 0),
      F,
      used.map((g) => norms[g]!),
      prop,
    );
    let best = { value: -Infinity, w: [] as number[] };
    const w = new Float64Array(used.length);
    const tries = FUSION_GRID.length ** used.length;
    for (let t = 0; t < tries; t++) {
      let r = t;
      for (let k = 0; k < used.length; k++) {
        w[k] = FUSION_GRID[r % FUSION_GRID.length]!;
        r = Math.floor(r / FUSION_GRID.length);
      }
      if (w.every((x) => x === 0)) continue;
      let value = 0;
      for (const l of sample) value += fusedClicks(l, w, prop, K, clip);
      if (value > best.value + 1e-9 * sample.length) best = { value, w: [...w] };
    }
    searched++;
    const score = new Float64Array(G);
    used.forEach((g, k) => (score[g] = FUSION_SCALE * best.w[k]!));
    const part = Float64Array.from({ length: G }, (_, g) =>
      parts[g]! >= 0 ? Math.exp(REWEIGHT_BOUNDS[0]) - 1 : 0,
    );
    return { x: c.x, lists: c.lists.length, weights: [part, score] };
  });
  writeCategoryWeights(model, categories, features);
  return { categories: categories.length, searched };
}

function hasValue(l: TrainList, F: number, f: number): boolean {
  for (let i = 0; i < l.n; i++) if (l.rows[i * F + f]! !== 0) return true;
  return false;
}

interface Packed {
  n: number;
  /** [n x S] the used sources' normalised scores. */
  norms: Float64Array;
  clicks: Float64Array;
  /** The logged position's propensity per item. */
  old: Float64Array;
}

/** Sort buffers, grown to the longest list seen. */
let scores = new Float64Array(64);
let order = new Int32Array(64);

function packLists(
  lists: readonly TrainList[],
  F: number,
  cols: readonly number[],
  prop: Float64Array,
): Packed[] {
  const K = prop.length;
  const longest = Math.max(0, ...lists.map((l) => l.n));
  if (longest > scores.length) {
    scores = new Float64Array(longest);
    order = new Int32Array(longest);
  }
  return lists.map((l) => ({
    n: l.n,
    norms: Float64Array.from({ length: l.n * cols.length }, (_, j) => {
      const i = Math.floor(j / cols.length);
      return l.rows[i * F + cols[j % cols.length]!]!;
    }),
    clicks: Float64Array.from(l.relevance),
    old: Float64Array.from(l.positions!, (k) => (K > 0 ? prop[Math.min(k, K - 1)]! : 0)),
  }));
}

/** Position-based IPS clicks of a logged list reordered by sum_k w_k * norm_k (ties keep the shown order). */
function fusedClicks(
  l: Packed,
  w: Float64Array,
  prop: Float64Array,
  K: number,
  clip: number,
): number {
  const S = w.length;
  // Insertion sort by score, descending; ties keep the shown order (lists are ~10 items).
  for (let i = 0; i < l.n; i++) {
    let s = 0;
    for (let k = 0; k < S; k++) s += w[k]! * l.norms[i * S + k]!;
    scores[i] = s;
    let j = i - 1;
    while (j >= 0 && scores[order[j]!]! < s) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = i;
  }
  let v = 0;
  for (let r = 0; r < l.n; r++) {
    const i = order[r]!;
    const c = l.clicks[i]!;
    if (c === 0) continue;
    const old = l.old[i]!;
    v += c * Math.min(clip, old > 0 ? (r < K ? prop[r]! : 0) / old : 0);
  }
  return v;
}
