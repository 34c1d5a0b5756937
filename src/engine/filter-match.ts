import { isNestedFilter, type Condition, type Filter } from '../domain/filter.js';
import type { JsonValue, Payload } from '../domain/item.js';
import { asGeoPoint, withinBox, withinRadius } from '../domain/geo.js';

/**
 * Evaluates the filter language on a payload in memory, with the same meaning the stores give it:
 * all `must`, at least one `should` (when any), no `must_not`; `match` on an array field matches any element.
 * Used where a list cannot push the filter down itself (the BM25 list checks candidates' payloads).
 */
export function matchesFilter(payload: Payload, filter: Filter | undefined): boolean {
  if (!filter) return true;
  if (filter.must && !filter.must.every((c) => matchesCondition(payload, c))) return false;
  if (
    filter.should &&
    filter.should.length > 0 &&
    !filter.should.some((c) => matchesCondition(payload, c))
  )
    return false;
  if (filter.must_not && filter.must_not.some((c) => matchesCondition(payload, c))) return false;
  return true;
}

function matchesCondition(payload: Payload, c: Condition): boolean {
  if (isNestedFilter(c)) return matchesFilter(payload, c);
  const value = payload[c.key];
  if ('exists' in c) return (value !== undefined && value !== null) === c.exists;
  const values: JsonValue[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
  if ('match' in c) return values.some((v) => v === c.match.value);
  if ('in' in c) return values.some((v) => (c.in as JsonValue[]).includes(v));
  if ('geo_radius' in c)
    return withinRadius(c.geo_radius.center, c.geo_radius.radius)(asGeoPoint(value) ?? null);
  if ('geo_bounding_box' in c) return withinBox(c.geo_bounding_box)(asGeoPoint(value) ?? null);
  const r = c.range;
  return values.some(
    (v) =>
      typeof v === 'number' &&
      (r.gt === undefined || v > r.gt) &&
      (r.gte === undefined || v >= r.gte) &&
      (r.lt === undefined || v < r.lt) &&
      (r.lte === undefined || v <= r.lte),
  );
}
