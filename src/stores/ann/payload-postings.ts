import { asGeoPoint, geoCell } from '../../domain/geo.js';
import type { Payload } from '../../domain/item.js';
import type { NumericRange, RequiredTerm } from '../../domain/filter-predicate.js';
import { typedValue } from '../../domain/payload-typing.js';
import type { KeyMap } from './key-map.js';

/** Fields one collection keeps postings for (each costs about one array slot per live item). */
const MAX_FIELDS = 16;
/** A field's postings are rebuilt once more than this share of the entries one read met were dead keys. */
const MAX_DEAD_SHARE = 0.5;

type ValueTerm = Extract<RequiredTerm, { values: readonly string[] }>;
type RangeTerm = Extract<RequiredTerm, { kind: 'range' }>;

/**
 * One field's index over the keys below `upTo`. A key is one written version of its item (KeyMap): its payload never
 * changes while it lives, so an entry never goes stale, it only dies with its key; dead entries are skipped when
 * read and the field is rebuilt once they dominate.
 */
interface FieldIndex<T extends RequiredTerm> {
  upTo: number;
  /** Records one live key's payload. */
  add(key: number, payload: Payload): void;
  /** How many entries `term` would read (dead ones included). */
  size(term: T): number;
  /** The live keys, ascending, `term` may match; `dead` counts the dead entries met. */
  candidates(term: T, keys: KeyMap, dead: { n: number }): number[];
}

/** value -> keys for a keyword, bool or geo (grid cell) field. */
class ValueIndex implements FieldIndex<ValueTerm> {
  upTo = 0;
  private readonly byValue = new Map<string, number[]>();

  constructor(private readonly term: ValueTerm) {}

  add(key: number, payload: Payload): void {
    for (const value of termValues(this.term.kind, payload[this.term.key])) {
      const list = this.byValue.get(value);
      if (list) list.push(key);
      else this.byValue.set(value, [key]);
    }
  }

  size(term: ValueTerm): number {
    let n = 0;
    for (const v of term.values) n += this.byValue.get(v)?.length ?? 0;
    return n;
  }

  candidates(term: ValueTerm, keys: KeyMap, dead: { n: number }): number[] {
    const out: number[] = [];
    for (const v of term.values)
      for (const key of this.byValue.get(v) ?? []) {
        if (keys.isLive(key)) out.push(key);
        else dead.n++;
      }
    if (term.values.length <= 1) return out; // one list: ascending as written
    return dedupeSorted(Array.from(Float64Array.from(out).sort()));
  }
}

/**
 * A numeric or datetime field's values sorted, with their keys: a range reads its slice by binary search. Keys
 * written since the sort wait in a tail read whole, until it passes a quarter of the sorted part and both are
 * sorted together again.
 */
class RangeIndex implements FieldIndex<RangeTerm> {
  upTo = 0;
  private values = new Float64Array(0);
  private sortedKeys = new Float64Array(0);
  private tailValues: number[] = [];
  private tailKeys: number[] = [];

  constructor(private readonly term: RangeTerm) {}

  add(key: number, payload: Payload): void {
    const v = typedValue(this.term.type, payload[this.term.key]);
    if (typeof v !== 'number') return;
    this.tailValues.push(v);
    this.tailKeys.push(key);
  }

  size(term: RangeTerm): number {
    this.settle();
    const [lo, hi] = this.slice(term.range);
    return hi - lo + this.tailKeys.length;
  }

  candidates(term: RangeTerm, keys: KeyMap, dead: { n: number }): number[] {
    this.settle();
    const [lo, hi] = this.slice(term.range);
    const out: number[] = [];
    for (let i = lo; i < hi; i++) {
      const key = this.sortedKeys[i]!;
      if (keys.isLive(key)) out.push(key);
      else dead.n++;
    }
    const within = inRange(term.range);
    for (let i = 0; i < this.tailKeys.length; i++) {
      if (!within(this.tailValues[i]!)) continue;
      const key = this.tailKeys[i]!;
      if (keys.isLive(key)) out.push(key);
      else dead.n++;
    }
    // A typed array sorts numbers natively (no comparator call per comparison): ~5x faster for thousands of keys.
    return Array.from(Float64Array.from(out).sort());
  }

  /** Sorts the tail into the sorted part once it has grown past a quarter of it. */
  private settle(): void {
    const tail = this.tailKeys.length;
    if (tail === 0 || tail < Math.max(1_024, this.values.length / 4)) return;
    const n = this.values.length + tail;
    const values = new Float64Array(n);
    const keys = new Float64Array(n);
    values.set(this.values);
    keys.set(this.sortedKeys);
    values.set(this.tailValues, this.values.length);
    keys.set(this.tailKeys, this.values.length);
    const order = Uint32Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => values[a]! - values[b]!,
    );
    this.values = Float64Array.from(order, (i) => values[i]!);
    this.sortedKeys = Float64Array.from(order, (i) => keys[i]!);
    this.tailValues = [];
    this.tailKeys = [];
  }

  /** The [lo, hi) positions of the sorted values within `r`. */
  private slice(r: NumericRange): [number, number] {
    const lower = r.gt ?? r.gte;
    const upper = r.lt ?? r.lte;
    const lo =
      lower === undefined
        ? 0
        : r.gt !== undefined
          ? firstAbove(this.values, lower)
          : firstAtLeast(this.values, lower);
    const hi =
      upper === undefined
        ? this.values.length
        : r.lt !== undefined
          ? firstAtLeast(this.values, upper)
          : firstAbove(this.values, upper);
    return [lo, Math.max(lo, hi)];
  }
}

/**
 * In-memory payload indexes for the exact filter plan: a selective keyword, bool, geo or range filter then costs
 * its matches instead of a test of every payload in the collection. A field's index is built on the first search
 * that needs it (that search has every live payload at hand) and extended over the keys written since on each later
 * one. Only a superset is promised: callers still test each candidate's payload with the whole filter.
 */
export class PayloadPostings {
  private readonly fields = new Map<string, FieldIndex<RequiredTerm>>();

  /** Starts an index for `term`'s field (call `extend` next); false when the collection already keeps MAX_FIELDS. */
  start(term: RequiredTerm): boolean {
    const id = fieldId(term);
    if (this.fields.has(id)) return true;
    if (this.fields.size >= MAX_FIELDS) return false;
    const index = term.kind === 'range' ? new RangeIndex(term) : new ValueIndex(term);
    this.fields.set(id, index as FieldIndex<RequiredTerm>);
    return true;
  }

  /**
   * Indexes `term`'s field over the keys written since its last use, reading each live key's payload through
   * `payloadAt`; false (nothing recorded past the first missing one) when some payload is not in memory.
   */
  extend(
    term: RequiredTerm,
    keys: KeyMap,
    payloadAt: (key: number) => Payload | undefined,
  ): boolean {
    const f = this.fields.get(fieldId(term));
    if (!f) return false;
    for (; f.upTo < keys.capacity; f.upTo++) {
      const key = f.upTo;
      if (!keys.isLive(key)) continue;
      const payload = payloadAt(key);
      if (payload === undefined) return false;
      f.add(key, payload);
    }
    return true;
  }

  /** How many entries `term` would read (dead ones included): the cheapest term of a filter is read. */
  size(term: RequiredTerm): number {
    return this.fields.get(fieldId(term))?.size(term) ?? Infinity;
  }

  /**
   * The live keys, ascending, that may match `term` (after `extend`); drops the field's index when most of what it
   * read was dead, so the next use rebuilds it.
   */
  candidates(term: RequiredTerm, keys: KeyMap): number[] {
    const id = fieldId(term);
    const f = this.fields.get(id);
    if (!f) return [];
    const dead = { n: 0 };
    const out = f.candidates(term, keys, dead);
    if (dead.n > 64 && dead.n > MAX_DEAD_SHARE * (dead.n + out.length)) this.fields.delete(id);
    return out;
  }

  clear(): void {
    this.fields.clear();
  }
}

function fieldId(term: RequiredTerm): string {
  return term.kind === 'range' ? `range:${term.type}:${term.key}` : `${term.kind}:${term.key}`;
}

/**
 * The values a payload field is found under, as the filter's own test reads it (domain/filter-predicate.ts): a
 * keyword is a string or the strings of an array, a bool is true or false, a point its grid cell.
 */
function termValues(kind: ValueTerm['kind'], v: unknown): readonly string[] {
  if (kind === 'geo') {
    const point = asGeoPoint(v);
    return point ? [geoCell(point)] : [];
  }
  if (kind === 'bool') return typeof v === 'boolean' ? [v ? 'true' : 'false'] : [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return [];
  const strings = v.filter((x): x is string => typeof x === 'string');
  return strings.length > 1 ? [...new Set(strings)] : strings;
}

function inRange(r: NumericRange): (v: number) => boolean {
  return (v) =>
    (r.gt === undefined || v > r.gt) &&
    (r.gte === undefined || v >= r.gte) &&
    (r.lt === undefined || v < r.lt) &&
    (r.lte === undefined || v <= r.lte);
}

/** The first position whose value is >= x (values ascending). */
function firstAtLeast(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position whose value is > x (values ascending). */
function firstAbove(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function dedupeSorted(keys: number[]): number[] {
  let n = 0;
  for (let i = 0; i < keys.length; i++)
    if (i === 0 || keys[i] !== keys[i - 1]) keys[n++] = keys[i]!;
  keys.length = n;
  return keys;
}
