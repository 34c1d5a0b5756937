import type { Clickthrough } from '../src/domain/clickthrough.js';
import { Rng } from './random.js';

/**
 * Groups logged impressions by query, as far as the log can tell: impressions are joined when they showed the
 * same set of items or the same first item (a repeated query, or the same intent re-typed), by union-find.
 * If that glues more than half of the log into one group (a catalogue where one item tops everything), the
 * weaker key (same item set only) is used. Returns a group id per clickthrough.
 */
export function queryGroups(cts: readonly Clickthrough[]): Int32Array {
  const strong = groupBy(cts, true);
  let largest = 0;
  const sizes = new Map<number, number>();
  for (const g of strong) {
    const n = (sizes.get(g) ?? 0) + 1;
    sizes.set(g, n);
    if (n > largest) largest = n;
  }
  return largest > cts.length / 2 && cts.length > 20 ? groupBy(cts, false) : strong;
}

function groupBy(cts: readonly Clickthrough[], byTopItem: boolean): Int32Array {
  const parent = Int32Array.from({ length: cts.length }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const firstOf = new Map<string, number>();
  const join = (key: string, i: number) => {
    const j = firstOf.get(key);
    if (j === undefined) firstOf.set(key, i);
    else parent[find(i)] = find(j);
  };
  // A repeated list (the same row objects: src/feedback/shared-rows.ts) with the same ids has the same item-set key.
  const setKeys = new Map<ArrayLike<number>, { items: Clickthrough['items']; key: string }>();
  const setKey = (ct: Clickthrough) => {
    const first = ct.items[0]?.features;
    const seen = first && setKeys.get(first);
    if (seen && sameIds(seen.items, ct.items)) return seen.key;
    const key = `s:${ct.items
      .map((it) => it.id)
      .sort()
      .join('\u0000')}`;
    if (first && !seen) setKeys.set(first, { items: ct.items, key });
    return key;
  };
  cts.forEach((ct, i) => {
    join(setKey(ct), i);
    const top = ct.items.find((it) => it.position === 0) ?? ct.items[0];
    if (byTopItem && top) join(`t:${top.id}`, i);
  });
  return Int32Array.from({ length: cts.length }, (_, i) => find(i));
}

function sameIds(a: Clickthrough['items'], b: Clickthrough['items']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.id !== b[i]!.id) return false;
  return true;
}

export interface QuerySplit {
  train: Clickthrough[];
  validation: Clickthrough[];
  /** Number of query groups on each side. */
  trainQueries: number;
  validationQueries: number;
}

/**
 * Train/validation split by query group: a seeded `share` of the groups (never fewer than one, never all) is
 * held out whole, so validation measures queries the model has never seen.
 */
export function splitByQuery(cts: readonly Clickthrough[], share = 0.2, seed = 1): QuerySplit {
  const groups = queryGroups(cts);
  const ids = [...new Set(groups)];
  new Rng(seed).shuffle(ids);
  const nVal =
    ids.length < 2 ? 0 : Math.min(ids.length - 1, Math.max(1, Math.round(ids.length * share)));
  const held = new Set(ids.slice(0, nVal));
  const train: Clickthrough[] = [];
  const validation: Clickthrough[] = [];
  cts.forEach((ct, i) => (held.has(groups[i]!) ? validation : train).push(ct));
  return { train, validation, trainQueries: ids.length - nVal, validationQueries: nVal };
}

/**
 * The promotion guard's own queries: a seeded `share` of the query groups, never fewer than
 * `MIN_GUARD_QUERIES` (when the log has at least that many plus two more for training), held out whole before any
 * training or model selection sees the log. The guard's estimate is then free of selection bias: nothing chosen
 * on these queries (epochs, shrinkage, the tuned start) is judged on them. With fewer query groups the guard gets
 * what is left after two for training; with fewer than three, none (the guard then refuses every candidate).
 */
export const GUARD_SHARE = 0.2;
export const MIN_GUARD_QUERIES = 3;

export function splitForGuard(
  cts: readonly Clickthrough[],
  share = GUARD_SHARE,
  seed = 1,
): { pool: Clickthrough[]; guard: Clickthrough[]; guardQueries: number; poolQueries: number } {
  const groups = queryGroups(cts);
  const ids = [...new Set(groups)];
  // A different stream from the train/validation split's, so the two splits are independent draws.
  new Rng(seed * 7919 + 17).shuffle(ids);
  const n =
    ids.length < 3
      ? 0
      : Math.min(ids.length - 2, Math.max(MIN_GUARD_QUERIES, Math.round(ids.length * share)));
  const held = new Set(ids.slice(0, n));
  const pool: Clickthrough[] = [];
  const guard: Clickthrough[] = [];
  cts.forEach((ct, i) => (held.has(groups[i]!) ? guard : pool).push(ct));
  return { pool, guard, guardQueries: n, poolQueries: ids.length - n };
}

/** K folds by query group (seeded): the fold of each clickthrough, and the group ids themselves. */
export function foldsByQuery(
  cts: readonly Clickthrough[],
  k: number,
  seed = 1,
): { fold: Int32Array; groups: Int32Array; count: number } {
  const groups = queryGroups(cts);
  const ids = [...new Set(groups)];
  new Rng(seed * 104729 + 3).shuffle(ids);
  const count = Math.max(1, Math.min(k, ids.length));
  const foldOf = new Map(ids.map((g, i) => [g, i % count]));
  return { fold: Int32Array.from(groups, (g) => foldOf.get(g)!), groups, count };
}

/**
 * At most `max` impressions, taken as whole query groups in a seeded random order (a group that would overflow is
 * skipped, smaller ones still fill the budget). Estimates clustered by query stay valid on the sample.
 */
export function sampleByQuery(
  cts: readonly Clickthrough[],
  max: number,
  seed = 1,
): readonly Clickthrough[] {
  if (cts.length <= max) return cts;
  const groups = queryGroups(cts);
  const sizes = new Map<number, number>();
  for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const ids = [...sizes.keys()];
  new Rng(seed * 7919 + 11).shuffle(ids);
  const keep = new Set<number>();
  let n = 0;
  for (const g of ids) {
    const size = sizes.get(g)!;
    if (n + size > max) continue;
    keep.add(g);
    n += size;
  }
  return cts.filter((_, i) => keep.has(groups[i]!));
}
