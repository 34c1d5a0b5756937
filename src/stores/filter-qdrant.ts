import type { PayloadFieldType } from '../domain/collection.js';
import { isNestedFilter, type Condition, type Filter } from '../domain/filter.js';
import { ChorusError } from '../errors.js';
import {
  assertGeoType,
  assertRangeType,
  filterableType,
  parseDatetime,
  parseFilter,
  typeError,
  type Scalar,
} from '../domain/filter-rules.js';

/** Qdrant's filter JSON (the subset Chorus emits). */
export interface QdrantFilter {
  must?: QdrantCondition[];
  should?: QdrantCondition[];
  must_not?: QdrantCondition[];
}
export type QdrantCondition =
  | QdrantFilter
  | {
      key: string;
      match: { value: string | number | boolean } | { any: (string | number)[] } | { text: string };
    }
  | {
      key: string;
      range: {
        gt?: number | string;
        gte?: number | string;
        lt?: number | string;
        lte?: number | string;
      };
    }
  | { is_empty: { key: string } }
  | { key: string; geo_radius: { center: { lat: number; lon: number }; radius: number } }
  | {
      key: string;
      geo_bounding_box: {
        top_left: { lat: number; lon: number };
        bottom_right: { lat: number; lon: number };
      };
    };

/**
 * Translates the typed Filter into Qdrant's filter JSON with the same meaning as the LanceDB translation:
 * only payloadIndexes fields, values type-checked per field, missing fields never match.
 */
export function toQdrantFilter(
  filter: Filter | undefined,
  indexes: Record<string, PayloadFieldType>,
): QdrantFilter | undefined {
  if (filter === undefined) return undefined;
  const out = translate(parseFilter(filter), indexes);
  return Object.keys(out).length ? out : undefined;
}

function translate(f: Filter, indexes: Record<string, PayloadFieldType>): QdrantFilter {
  const out: QdrantFilter = {};
  if (f.must?.length) out.must = f.must.map((c) => condition(c, indexes));
  if (f.should?.length) out.should = f.should.map((c) => condition(c, indexes));
  if (f.must_not?.length) out.must_not = f.must_not.map((c) => condition(c, indexes));
  return out;
}

function condition(c: Condition, indexes: Record<string, PayloadFieldType>): QdrantCondition {
  if (isNestedFilter(c)) return translate(c, indexes);
  const type = filterableType(c.key, indexes);
  const key = c.key;
  if ('exists' in c)
    return c.exists ? { must_not: [{ is_empty: { key } }] } : { is_empty: { key } };
  if ('match' in c) return matchOne(key, type, c.match.value);
  if ('in' in c) {
    const values = c.in.map((v) => checked(key, type, v));
    // Qdrant's `any` takes keywords and integers; other types become a should of single matches.
    if (type === 'keyword' || type === 'integer')
      return { key, match: { any: values as (string | number)[] } };
    return { should: c.in.map((v) => matchOne(key, type, v)) };
  }
  if ('geo_radius' in c) {
    assertGeoType(key, type);
    // Qdrant's own geo index and haversine; the shape is Qdrant's.
    return { key, geo_radius: { center: { ...c.geo_radius.center }, radius: c.geo_radius.radius } };
  }
  if ('geo_bounding_box' in c) {
    assertGeoType(key, type, 'geo_bounding_box');
    const { top_left, bottom_right } = c.geo_bounding_box;
    return {
      key,
      geo_bounding_box: { top_left: { ...top_left }, bottom_right: { ...bottom_right } },
    };
  }
  assertRangeType(key, type);
  const range: Record<string, number | string> = {};
  for (const [op, v] of Object.entries(c.range)) {
    if (v === undefined) continue;
    const n = checked(key, 'float', v) as number;
    range[op] = type === 'datetime' ? new Date(n).toISOString() : n;
  }
  return { key, range };
}

function matchOne(key: string, type: PayloadFieldType, v: Scalar): QdrantCondition {
  const value = checked(key, type, v);
  if (type === 'text') return { key, match: { text: value as string } };
  // Qdrant matches exact values on keyword/integer/bool; floats and datetimes become a closed range.
  if (type === 'float') return { key, range: { gte: value as number, lte: value as number } };
  if (type === 'datetime') {
    const iso = new Date(value as number).toISOString();
    return { key, range: { gte: iso, lte: iso } };
  }
  return { key, match: { value } };
}

function checked(key: string, type: PayloadFieldType, v: Scalar): Scalar {
  const bad = () => typeError(key, type, v);
  switch (type) {
    case 'keyword':
    case 'text':
      if (typeof v !== 'string') throw bad();
      if (v.includes('\u0000'))
        throw new ChorusError('VALIDATION', 'filter strings may not contain NUL characters');
      return v;
    case 'integer':
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad();
      return v;
    case 'datetime':
      if (typeof v === 'string') return parseDatetime(v, key);
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad();
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad();
      return v;
    case 'geo':
      throw bad(); // points are compared by distance (geo_radius), not by value
  }
}
