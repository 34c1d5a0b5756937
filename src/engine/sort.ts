import type { Payload } from '../domain/item.js';
import { asGeoPoint, geoDistance, type GeoPoint } from '../domain/geo.js';
import { MAX_SORT_KEYS, type SortKey } from '../domain/sort-keys.js';
import { ChorusError } from '../errors.js';
import { checkPayloadField } from './payload-field-check.js';

export { MAX_SORT_KEYS, type SortKey };

/** Refuses what the API's schema refuses (the embedded library calls the engine without it). */
export function checkSort(sort: readonly SortKey[] | undefined, diversity?: number): void {
  if (sort === undefined) return;
  if (!Array.isArray(sort) || sort.length < 1 || sort.length > MAX_SORT_KEYS)
    throw new ChorusError('VALIDATION', `sort takes 1 to ${MAX_SORT_KEYS} keys`);
  for (const key of sort) {
    checkPayloadField(key?.field, 'sort', { sort: key });
    if (key.near !== undefined && !asGeoPoint(key.near))
      throw new ChorusError('VALIDATION', 'sort near is a point {lat: -90..90, lon: -180..180}', {
        sort: key,
      });
    if (key.order !== undefined && key.order !== 'asc' && key.order !== 'desc')
      throw new ChorusError(
        'VALIDATION',
        `sort order is "asc" or "desc", got ${String(key.order)}`,
        {
          sort: key,
        },
      );
  }
  // MMR picks hits for variety in rank order; a sort would undo what it picked for.
  if (diversity !== undefined && diversity > 0)
    throw new ChorusError(
      'VALIDATION',
      'sort and diversity cannot be combined: ask for one or the other',
    );
}

/** A payload value as a sort sees it: its type's place (numbers, strings, booleans) and the value. */
type SortValue = { t: 0; v: number } | { t: 1; v: string } | { t: 2; v: number };

// Fixed locale: the order must not depend on the server's environment. Numeric: "size 2" before "size 10".
const collator = new Intl.Collator('en', { numeric: true });

function compareValues(a: SortValue, b: SortValue): number {
  if (a.t !== b.t) return a.t - b.t;
  return a.t === 1 ? collator.compare(a.v, b.v as string) : a.v - (b.v as number);
}

function sortValue(x: unknown): SortValue | undefined {
  if (typeof x === 'number') return Number.isFinite(x) ? { t: 0, v: x } : undefined;
  if (typeof x === 'string') return { t: 1, v: x };
  if (typeof x === 'boolean') return { t: 2, v: x ? 1 : 0 };
  return undefined;
}

/** A field's value for one key: a list sorts by its least element ascending, its greatest descending (as Elasticsearch). */
function keyValue(raw: unknown, desc: boolean, near?: GeoPoint): SortValue | undefined {
  if (near) {
    const point = asGeoPoint(raw);
    return point ? { t: 0, v: geoDistance(near, point) } : undefined;
  }
  if (!Array.isArray(raw)) return sortValue(raw);
  let best: SortValue | undefined;
  for (const x of raw) {
    const v = sortValue(x);
    if (v && (!best || (desc ? compareValues(v, best) > 0 : compareValues(v, best) < 0))) best = v;
  }
  return best;
}

/**
 * Orders ranked hits by payload fields, key by key; the ranking decides ties, and hits without a usable value
 * (missing, null, an object; for a `near` key, anything but a point) come after those with one whichever the order.
 * A `near` key compares great-circle distances from its point. Within a field of mixed types,
 * ascending puts numbers, then strings (numeric-aware, fixed locale), then booleans (false first). Stable.
 */
export function sortHits<H extends { payload: Payload }>(
  hits: readonly H[],
  keys: readonly SortKey[],
): H[] {
  const decorated = hits.map((hit, rank) => ({
    hit,
    rank,
    values: keys.map((k) => keyValue(hit.payload[k.field], k.order === 'desc', k.near)),
  }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.values[i];
      const y = b.values[i];
      if (!x || !y) {
        if (x || y) return x ? -1 : 1;
        continue;
      }
      const c = compareValues(x, y);
      if (c !== 0) return keys[i]!.order === 'desc' ? -c : c;
    }
    return a.rank - b.rank;
  });
  return decorated.map((d) => d.hit);
}

/** How a sorted impression names its order in the log (interleaving credit and ranker analyses skip it). */
export function sortedTag(keys: readonly SortKey[]): string {
  const near = (k: SortKey) => (k.near ? `@${k.near.lat},${k.near.lon}` : '');
  return `sorted:${keys.map((k) => `${k.field}${near(k)}:${k.order ?? 'asc'}`).join(',')}`.slice(
    0,
    128,
  );
}

/** Metres from the first `near` key's point to each hit's point (undefined: no such key, or no point). */
export function sortDistance(
  keys: readonly SortKey[] | undefined,
): ((payload: Payload) => number | undefined) | undefined {
  const key = keys?.find((k) => k.near);
  if (!key) return undefined;
  return (payload) => {
    const point = asGeoPoint(payload[key.field]);
    return point ? Math.round(geoDistance(key.near!, point) * 10) / 10 : undefined;
  };
}
