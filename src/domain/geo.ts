import { z } from 'zod';

/** A point on Earth as payloads and filters write it (Qdrant's shape): degrees of latitude and longitude. */
export const GeoPoint = z
  .object({
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
  })
  .strict();
export type GeoPoint = z.infer<typeof GeoPoint>;

/** Mean Earth radius in metres (the haversine's sphere, as Qdrant and Elasticsearch's arc distance use). */
export const EARTH_RADIUS_M = 6_371_008.8;

/** A payload value as a point, or undefined when it is not one (not filterable, as a mistyped value of any index). */
export function asGeoPoint(v: unknown): GeoPoint | undefined {
  return isGeoPoint(v) ? { lat: v.lat, lon: v.lon } : undefined;
}

/** Whether a value holds a point (other keys allowed), tested without a copy: filters test every payload. */
export function isGeoPoint(v: unknown): v is GeoPoint {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const { lat, lon } = v as Record<string, unknown>;
  return (
    typeof lat === 'number' &&
    typeof lon === 'number' &&
    lat >= -90 &&
    lat <= 90 &&
    lon >= -180 &&
    lon <= 180
  );
}

const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine). */
export function geoDistance(a: GeoPoint, b: GeoPoint): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The latitude and longitude ranges that hold every point within `radius` metres of `center`: a cheap first test
 * (and an index-friendly one) before the exact distance. Longitudes span everything near a pole or past the
 * antimeridian.
 */
export function geoBounds(
  center: GeoPoint,
  radius: number,
): { minLat: number; maxLat: number; minLon: number; maxLon: number } {
  const dLat = (radius / EARTH_RADIUS_M) * (180 / Math.PI);
  const minLat = Math.max(-90, center.lat - dLat);
  const maxLat = Math.min(90, center.lat + dLat);
  const cosLat = Math.min(Math.cos(rad(minLat)), Math.cos(rad(maxLat)));
  const dLon = cosLat <= 1e-9 ? 360 : dLat / cosLat;
  if (dLon >= 180 || center.lon - dLon < -180 || center.lon + dLon > 180)
    return { minLat, maxLat, minLon: -180, maxLon: 180 };
  return { minLat, maxLat, minLon: center.lon - dLon, maxLon: center.lon + dLon };
}

/**
 * The haversine term h (0 at the centre, 1 at the antipode) that a point within `radius` metres stays under:
 * distance <= radius exactly when h <= sin^2(radius / 2R). Comparing h needs no asin, so the LanceDB SQL and the
 * in-memory test compute the same expression.
 */
export function haversineLimit(radius: number): number {
  const half = radius / (2 * EARTH_RADIUS_M);
  return half >= Math.PI / 2 ? 1 : Math.sin(half) ** 2;
}

/** The LanceDB translation's test (bounding box, then the haversine term) on a point. */
export function withinRadius(center: GeoPoint, radius: number): (p: GeoPoint | null) => boolean {
  const b = geoBounds(center, radius);
  const limit = haversineLimit(radius);
  const cosLat = Math.cos(rad(center.lat));
  return (p) =>
    p !== null &&
    p.lat >= b.minLat &&
    p.lat <= b.maxLat &&
    p.lon >= b.minLon &&
    p.lon <= b.maxLon &&
    Math.sin(rad(p.lat - center.lat) / 2) ** 2 +
      cosLat * Math.cos(rad(p.lat)) * Math.sin(rad(p.lon - center.lon) / 2) ** 2 <=
      limit;
}

/** A latitude/longitude box; `top_left.lon > bottom_right.lon` spans the antimeridian. */
export interface GeoBox {
  top_left: GeoPoint;
  bottom_right: GeoPoint;
}

/** Whether a point is inside the box (edges included), as the LanceDB translation tests it. */
export function withinBox(box: GeoBox): (p: GeoPoint | null) => boolean {
  const { top_left: tl, bottom_right: br } = box;
  const crosses = tl.lon > br.lon;
  return (p) =>
    p !== null &&
    p.lat <= tl.lat &&
    p.lat >= br.lat &&
    (crosses ? p.lon >= tl.lon || p.lon <= br.lon : p.lon >= tl.lon && p.lon <= br.lon);
}

/** Degrees per side of the grid cells a payload index files points under (see geoCellsCovering). */
const CELL_DEGREES = 1;

/** The grid cell a point lies in. */
export function geoCell(p: GeoPoint): string {
  return `${Math.floor(p.lat / CELL_DEGREES)},${Math.floor(p.lon / CELL_DEGREES)}`;
}

/**
 * The grid cells that hold every point of the latitude/longitude ranges given (each lon range west to east), or
 * undefined past `max` cells: an index reads these cells' points, then tests each exactly.
 */
export function geoCellsCovering(
  minLat: number,
  maxLat: number,
  lonRanges: readonly (readonly [number, number])[],
  max: number,
): string[] | undefined {
  const lat0 = Math.floor(minLat / CELL_DEGREES);
  const lat1 = Math.floor(maxLat / CELL_DEGREES);
  const spans = lonRanges.map(
    ([w, e]) => [Math.floor(w / CELL_DEGREES), Math.floor(e / CELL_DEGREES)] as const,
  );
  const count = (lat1 - lat0 + 1) * spans.reduce((n, [w, e]) => n + e - w + 1, 0);
  if (!(count <= max)) return undefined;
  const out: string[] = [];
  for (let lat = lat0; lat <= lat1; lat++)
    for (const [w, e] of spans) for (let lon = w; lon <= e; lon++) out.push(`${lat},${lon}`);
  return out;
}
