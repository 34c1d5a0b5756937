import { ChorusError } from '../errors.js';
import type { GeoPoint } from './geo.js';

/** One key of a sort by payload fields ("price, low to high"). */
export interface SortKey {
  field: string;
  /** Default 'asc'. */
  order?: 'asc' | 'desc';
  /** The field holds points ({lat, lon}): sort by their distance from here (asc: nearest first). */
  near?: GeoPoint;
}

export const MAX_SORT_KEYS = 4;

/**
 * `price:desc` (order defaults to asc), or `place@lat,lon` (by distance from there), as `chorus search --sort` and
 * the admin playground take a key. A suffix
 * that is not an order is a typo, not part of a field name: refused rather than sorted by nothing.
 */
export function parseSortKey(text: string): SortKey {
  const v = text.trim();
  // `place@48.86,2.35`: nearest first (`:desc` after it for farthest first).
  const geo = /^([^@]+)@\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*(?::\s*(asc|desc))?$/.exec(v);
  if (geo) {
    const [, field, lat, lon, order] = geo as unknown as [string, string, string, string, string?];
    return {
      field: field.trim(),
      order: order === 'desc' ? 'desc' : 'asc',
      near: { lat: Number(lat), lon: Number(lon) },
    };
  }
  const cut = v.lastIndexOf(':');
  const field = (cut < 0 ? v : v.slice(0, cut)).trim();
  const order = cut < 0 ? 'asc' : v.slice(cut + 1).trim();
  if (!field || (order !== 'asc' && order !== 'desc'))
    throw new ChorusError('VALIDATION', `a sort key is FIELD or FIELD:asc|desc, got "${v}"`);
  return { field, order };
}

/** `year:desc, title` as keys in order; empty text is no sort. The engine checks the keys themselves. */
export function parseSortText(text: string): SortKey[] | undefined {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return parts.length ? parts.map(parseSortKey) : undefined;
}
