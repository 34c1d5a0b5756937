import { isNestedFilter, type Condition, type Filter } from '../../src/domain/filter.js';
import type { Payload } from '../../src/domain/item.js';
import { asGeoPoint, geoDistance } from '../../src/domain/geo.js';

/** A plain-JS reading of the filter language, used as the oracle the backends must agree with. */
export function matches(filter: Filter, payload: Payload): boolean {
  if (filter.must && !filter.must.every((c) => cond(c, payload))) return false;
  if (filter.should?.length && !filter.should.some((c) => cond(c, payload))) return false;
  if (filter.must_not && filter.must_not.some((c) => cond(c, payload))) return false;
  return true;
}

function cond(c: Condition, p: Payload): boolean {
  if (isNestedFilter(c)) return matches(c, p);
  const v = p[c.key];
  const values = (Array.isArray(v) ? v : [v]).filter((x) => x !== null && x !== undefined);
  if ('exists' in c) return c.exists === values.length > 0;
  if ('match' in c) return values.includes(c.match.value);
  if ('in' in c) return values.some((x) => c.in.includes(x as string | number | boolean));
  if ('geo_radius' in c) {
    // The great-circle distance itself (asin), not the backends' bounding box and haversine-term test.
    const point = asGeoPoint(v);
    return point !== undefined && geoDistance(point, c.geo_radius.center) <= c.geo_radius.radius;
  }
  if ('geo_bounding_box' in c) {
    const point = asGeoPoint(v);
    const { top_left: tl, bottom_right: br } = c.geo_bounding_box;
    if (!point || point.lat > tl.lat || point.lat < br.lat) return false;
    return tl.lon <= br.lon
      ? point.lon >= tl.lon && point.lon <= br.lon
      : point.lon >= tl.lon || point.lon <= br.lon;
  }
  const r = c.range;
  return values.some(
    (x) =>
      typeof x === 'number' &&
      (r.gt === undefined || x > r.gt) &&
      (r.gte === undefined || x >= r.gte) &&
      (r.lt === undefined || x < r.lt) &&
      (r.lte === undefined || x <= r.lte),
  );
}
