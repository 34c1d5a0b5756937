import type { PayloadFieldType } from './collection.js';
import { isNestedFilter, type Condition, type Filter } from './filter.js';
import type { Payload } from './item.js';
import {
  geoBounds,
  geoCellsCovering,
  isGeoPoint,
  withinBox,
  withinRadius,
  type GeoPoint,
} from './geo.js';
import {
  assertGeoType,
  assertRangeType,
  filterableType,
  parseDatetime,
  parseFilter,
  typeError,
  type Scalar,
} from './filter-rules.js';
import { typedValue } from './payload-typing.js';

/**
 * The filter language evaluated on payloads in memory with exactly the meaning the LanceDB translation gives it
 * (filter-lancedb.ts): each field is read through the same typed copy the table stores (`typedValue`), keyword
 * match means any element, text match is a case-insensitive substring, a missing field never matches, must_not of a
 * missing field is true. The store uses it to check graph candidates of a filtered search without a table query.
 */
export interface PayloadPredicate {
  (payload: Payload): boolean;
  /** Conditions every match satisfies: a payload index can narrow the items to test (see PayloadPostings). */
  readonly required: readonly RequiredTerm[];
}

/**
 * What every match of a filter holds in one field: a keyword or bool field one of `values` (bool values as 'true' /
 * 'false'), a geo field a point in one of the grid cells `values` names (geoCell), or a numeric or datetime field
 * (typed as the table stores it: typedValue) a value within `range`.
 */
export type RequiredTerm =
  | { key: string; kind: 'keyword' | 'bool' | 'geo'; values: readonly string[] }
  | { key: string; kind: 'range'; type: 'integer' | 'float' | 'datetime'; range: NumericRange };

/** Bounds of a range condition (at least one). */
export interface NumericRange {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** A geo filter covering more grid cells than this requires none (it is broad: the graph plan serves it). */
const MAX_GEO_CELLS = 4_096;

/** Validates the filter (same errors as the LanceDB translation) and compiles it to a predicate. */
export function compileFilter(
  filter: Filter,
  indexes: Readonly<Record<string, PayloadFieldType>>,
): PayloadPredicate {
  const parsed = parseFilter(filter);
  const test = clause(parsed, indexes);
  return Object.assign((p: Payload) => test(p), { required: requiredTerms(parsed, indexes) });
}

/**
 * The keyword and bool match / in, geo and range conditions a filter's every match satisfies: its `must` list's, and
 * those of filters nested in it (their own `must`; a nested `should` or `must_not` adds no requirement).
 */
function requiredTerms(
  f: Filter,
  indexes: Readonly<Record<string, PayloadFieldType>>,
): RequiredTerm[] {
  const out: RequiredTerm[] = [];
  for (const c of f.must ?? []) {
    if (isNestedFilter(c)) {
      out.push(...requiredTerms(c, indexes));
      continue;
    }
    const kind = Object.hasOwn(indexes, c.key) ? indexes[c.key] : undefined;
    if (kind === 'geo') {
      const cells = geoCells(c);
      if (cells) out.push({ key: c.key, kind, values: cells });
      continue;
    }
    if ('range' in c) {
      if (kind === 'integer' || kind === 'float' || kind === 'datetime')
        out.push({ key: c.key, kind: 'range', type: kind, range: c.range });
      continue;
    }
    if (!('match' in c) && !('in' in c)) continue;
    if (kind !== 'keyword' && kind !== 'bool') continue;
    const values = 'match' in c ? [c.match.value] : c.in;
    out.push({ key: c.key, kind, values: [...new Set(values.map((v) => String(v)))] });
  }
  return out;
}

/** The grid cells holding every point a geo condition accepts (its bounding ranges, as the test's first check). */
function geoCells(c: Condition): string[] | undefined {
  if ('geo_radius' in c) {
    const b = geoBounds(c.geo_radius.center, c.geo_radius.radius);
    return geoCellsCovering(b.minLat, b.maxLat, [[b.minLon, b.maxLon]], MAX_GEO_CELLS);
  }
  if ('geo_bounding_box' in c) {
    const { top_left: tl, bottom_right: br } = c.geo_bounding_box;
    const lons: [number, number][] =
      tl.lon > br.lon
        ? [
            [tl.lon, 180],
            [-180, br.lon],
          ]
        : [[tl.lon, br.lon]];
    return geoCellsCovering(br.lat, tl.lat, lons, MAX_GEO_CELLS);
  }
  return undefined;
}

function clause(
  f: Filter,
  indexes: Readonly<Record<string, PayloadFieldType>>,
): (payload: Payload) => boolean {
  const must = (f.must ?? []).map((c) => condition(c, indexes));
  const should = (f.should ?? []).map((c) => condition(c, indexes));
  const mustNot = (f.must_not ?? []).map((c) => condition(c, indexes));
  return (p) =>
    must.every((t) => t(p)) &&
    (should.length === 0 || should.some((t) => t(p))) &&
    !mustNot.some((t) => t(p));
}

function condition(
  c: Condition,
  indexes: Readonly<Record<string, PayloadFieldType>>,
): (payload: Payload) => boolean {
  if (isNestedFilter(c)) return clause(c, indexes);
  const type = filterableType(c.key, indexes);
  const key = c.key;
  const read = (p: Payload) => typedValue(type, p[key]);
  if ('exists' in c) return c.exists ? (p) => read(p) !== null : (p) => read(p) === null;
  if (type === 'keyword' && ('match' in c || 'in' in c)) {
    // The hot case of an exact plan's scan over every payload: no typed copy (an array per payload) on the way.
    const wanted = new Set(
      ('match' in c ? [c.match.value] : c.in).map((v) => literalString(type, key, v)),
    );
    return (p) => {
      const v = p[key];
      if (typeof v === 'string') return wanted.has(v);
      return Array.isArray(v) && v.some((x) => typeof x === 'string' && wanted.has(x));
    };
  }
  if ('match' in c) {
    const test = matcher(type, key, [c.match.value]);
    return (p) => test(read(p));
  }
  if ('in' in c) {
    const test = matcher(type, key, c.in);
    return (p) => test(read(p));
  }
  if ('geo_radius' in c) {
    assertGeoType(key, type);
    const within = withinRadius(c.geo_radius.center, c.geo_radius.radius);
    return (p) => within(point(p[key]));
  }
  if ('geo_bounding_box' in c) {
    assertGeoType(key, type, 'geo_bounding_box');
    const inside = withinBox(c.geo_bounding_box);
    return (p) => inside(point(p[key]));
  }
  assertRangeType(key, type);
  const r = c.range;
  return (p) => {
    const v = read(p);
    return (
      typeof v === 'number' &&
      (r.gt === undefined || v > r.gt) &&
      (r.gte === undefined || v >= r.gte) &&
      (r.lt === undefined || v < r.lt) &&
      (r.lte === undefined || v <= r.lte)
    );
  };
}

/** A geo field's value as the table stores it (typedValue), without the copy: the exact plan tests many. */
function point(v: unknown): GeoPoint | null {
  return isGeoPoint(v) ? v : null;
}

/** A test of a stored typed value against any of the literals. */
function matcher(type: PayloadFieldType, key: string, values: Scalar[]): (v: unknown) => boolean {
  switch (type) {
    case 'keyword': {
      const wanted = new Set(values.map((v) => literalString(type, key, v)));
      return (v) => Array.isArray(v) && v.some((x) => wanted.has(x as string));
    }
    case 'text': {
      const needles = values.map((v) => literalString(type, key, v).toLowerCase());
      return (v) => typeof v === 'string' && needles.some((n) => v.toLowerCase().includes(n));
    }
    case 'bool': {
      const wanted = new Set<number>(
        values.map((v) => {
          if (typeof v !== 'boolean') throw typeError(key, type, v);
          return v ? 1 : 0;
        }),
      );
      return (v) => typeof v === 'number' && wanted.has(v);
    }
    case 'geo':
      throw typeError(key, type, values[0]);
    default: {
      const wanted = new Set(
        values.map((v) => {
          if (typeof v === 'string' && type === 'datetime') return parseDatetime(v, key);
          if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(key, type, v);
          return v;
        }),
      );
      return (v) => typeof v === 'number' && wanted.has(v);
    }
  }
}

function literalString(type: PayloadFieldType, key: string, v: Scalar): string {
  if (typeof v !== 'string') throw typeError(key, type, v);
  return v;
}
