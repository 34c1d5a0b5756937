import type { PayloadFieldType } from '../domain/collection.js';
import { isNestedFilter, type Condition, type Filter } from '../domain/filter.js';
import { ChorusError } from '../errors.js';
import { geoBounds, haversineLimit, type GeoBox, type GeoPoint } from '../domain/geo.js';
import {
  assertGeoType,
  assertRangeType,
  filterableType,
  parseDatetime,
  parseFilter,
  typeError,
  type Scalar,
} from '../domain/filter-rules.js';

/**
 * Translates the typed Filter into a LanceDB (DataFusion SQL) where-clause without ever pasting a raw user string:
 * column names come from validated identifiers and are backquoted, strings are quoted with '' doubling (NUL refused),
 * numbers must be finite, booleans are literals. Only fields declared in `payloadIndexes` are filterable.
 *
 * Every leaf is null-safe (`col IS NOT NULL AND ...`) so a missing field never matches, and must_not of a missing
 * field is true, as in Qdrant.
 */

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The LanceDB column that holds an indexed payload field. */
export function payloadColumn(field: string): string {
  if (!IDENT.test(field))
    throw new ChorusError(
      'VALIDATION',
      `payload key ${JSON.stringify(field)} is not an identifier`,
    );
  return `p_${field}`;
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,80}$/.test(name))
    throw new ChorusError('VALIDATION', `bad column name ${JSON.stringify(name)}`);
  return '`' + name + '`';
}

export function sqlString(value: string): string {
  if (typeof value !== 'string') throw new ChorusError('VALIDATION', 'expected a string value');
  if (value.includes('\u0000'))
    throw new ChorusError('VALIDATION', 'filter strings may not contain NUL characters');
  return `'${value.replace(/'/g, "''")}'`;
}

export function sqlNumber(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ChorusError('VALIDATION', `filter numbers must be finite, got ${String(value)}`);
  }
  // Exponent form is valid DataFusion; avoid "1e+21" style surprises by using the plain JS rendering.
  return String(value);
}

export function toLanceWhere(
  filter: Filter | undefined,
  indexes: Record<string, PayloadFieldType>,
): string | undefined {
  if (filter === undefined) return undefined;
  return clause(parseFilter(filter), indexes);
}

function clause(f: Filter, indexes: Record<string, PayloadFieldType>): string | undefined {
  const parts: string[] = [];
  for (const c of f.must ?? []) parts.push(condition(c, indexes));
  if (f.should?.length) parts.push(`(${f.should.map((c) => condition(c, indexes)).join(' OR ')})`);
  if (f.must_not?.length)
    parts.push(`NOT (${f.must_not.map((c) => condition(c, indexes)).join(' OR ')})`);
  return parts.length ? parts.join(' AND ') : undefined;
}

function condition(c: Condition, indexes: Record<string, PayloadFieldType>): string {
  if (isNestedFilter(c)) return `(${clause(c, indexes) ?? 'TRUE'})`;
  const type = filterableType(c.key, indexes);
  const col = quoteIdent(payloadColumn(c.key));
  if ('exists' in c) return c.exists ? `(${col} IS NOT NULL)` : `(${col} IS NULL)`;
  if ('match' in c) return matchOne(col, type, c.key, c.match.value);
  if ('in' in c) return matchAny(col, type, c.key, c.in);
  if ('geo_radius' in c) {
    assertGeoType(c.key, type);
    return geoRadius(col, c.geo_radius.center, c.geo_radius.radius);
  }
  if ('geo_bounding_box' in c) {
    assertGeoType(c.key, type, 'geo_bounding_box');
    return geoBox(col, c.geo_bounding_box);
  }
  return range(col, type, c.key, c.range);
}

/** Inside the box, edges included (across the antimeridian when its left edge is east of its right). */
function geoBox(col: string, box: GeoBox): string {
  const lat = `${col}.\`lat\``;
  const lon = `${col}.\`lon\``;
  const { top_left: tl, bottom_right: br } = box;
  const n = sqlNumber;
  const lons =
    tl.lon > br.lon
      ? `(${lon} >= ${n(tl.lon)} OR ${lon} <= ${n(br.lon)})`
      : `${lon} BETWEEN ${n(tl.lon)} AND ${n(br.lon)}`;
  return `(${col} IS NOT NULL AND ${lat} BETWEEN ${n(br.lat)} AND ${n(tl.lat)} AND ${lons})`;
}

/** Within `radius` metres: the bounding box first (cheap), then the haversine term against its limit. */
function geoRadius(col: string, center: GeoPoint, radius: number): string {
  const lat = `${col}.\`lat\``;
  const lon = `${col}.\`lon\``;
  const b = geoBounds(center, radius);
  const n = sqlNumber;
  const box = [`${lat} BETWEEN ${n(b.minLat)} AND ${n(b.maxLat)}`];
  if (b.minLon > -180 || b.maxLon < 180)
    box.push(`${lon} BETWEEN ${n(b.minLon)} AND ${n(b.maxLon)}`);
  const h =
    `power(sin(radians(${lat} - ${n(center.lat)}) / 2), 2) + ` +
    `${n(Math.cos((center.lat * Math.PI) / 180))} * cos(radians(${lat})) * ` +
    `power(sin(radians(${lon} - ${n(center.lon)}) / 2), 2)`;
  return `(${col} IS NOT NULL AND ${box.join(' AND ')} AND ${h} <= ${n(haversineLimit(radius))})`;
}

function literal(type: PayloadFieldType, key: string, v: Scalar): string {
  switch (type) {
    case 'keyword':
    case 'text':
      if (typeof v !== 'string') throw typeError(key, type, v);
      return sqlString(v);
    case 'integer':
    case 'float':
    case 'datetime':
      if (typeof v === 'string' && type === 'datetime') return sqlNumber(parseDatetime(v, key));
      if (typeof v !== 'number') throw typeError(key, type, v);
      return sqlNumber(v);
    case 'bool':
      if (typeof v !== 'boolean') throw typeError(key, type, v);
      return v ? '1' : '0'; // bool columns are stored as Int8 0/1
    case 'geo':
      throw typeError(key, type, v); // points are compared by distance (geo_radius), not by value
  }
}

function matchOne(col: string, type: PayloadFieldType, key: string, v: Scalar): string {
  const lit = literal(type, key, v);
  // Keyword columns are lists (a field may hold one tag or many): match means "any element equals".
  if (type === 'keyword') return `(${col} IS NOT NULL AND array_has(${col}, ${lit}))`;
  if (type === 'text') return `(${col} IS NOT NULL AND strpos(lower(${col}), lower(${lit})) > 0)`;
  return `(${col} IS NOT NULL AND ${col} = ${lit})`;
}

function matchAny(col: string, type: PayloadFieldType, key: string, values: Scalar[]): string {
  const lits = values.map((v) => literal(type, key, v));
  if (type === 'keyword')
    return `(${col} IS NOT NULL AND array_has_any(${col}, make_array(${lits.join(', ')})))`;
  if (type === 'text') return `(${values.map((v) => matchOne(col, type, key, v)).join(' OR ')})`;
  return `(${col} IS NOT NULL AND ${col} IN (${lits.join(', ')}))`;
}

function range(
  col: string,
  type: PayloadFieldType,
  key: string,
  r: { gt?: number; gte?: number; lt?: number; lte?: number },
): string {
  assertRangeType(key, type);
  const parts = [`${col} IS NOT NULL`];
  if (r.gt !== undefined) parts.push(`${col} > ${sqlNumber(r.gt)}`);
  if (r.gte !== undefined) parts.push(`${col} >= ${sqlNumber(r.gte)}`);
  if (r.lt !== undefined) parts.push(`${col} < ${sqlNumber(r.lt)}`);
  if (r.lte !== undefined) parts.push(`${col} <= ${sqlNumber(r.lte)}`);
  return `(${parts.join(' AND ')})`;
}
