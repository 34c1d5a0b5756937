import { z } from 'zod';
import { GeoPoint } from './geo.js';

/**
 * A small typed filter language, modelled on Qdrant's: must / should / must_not over conditions.
 * Backends translate it safely (no string-built queries from user values).
 */
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
/** A payload field as filters (and facet selections) name it: an identifier. */
export const FieldKey = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'payload keys are identifiers');

export const MatchCondition = z
  .object({ key: FieldKey, match: z.object({ value: Scalar }).strict() })
  .strict();
export const InCondition = z
  .object({ key: FieldKey, in: z.array(Scalar).min(1).max(1024) })
  .strict();
export const RangeCondition = z
  .object({
    key: FieldKey,
    range: z
      .object({ gt: z.number(), gte: z.number(), lt: z.number(), lte: z.number() })
      .partial()
      .strict()
      .refine((r) => Object.keys(r).length > 0, 'range needs at least one bound'),
  })
  .strict();
export const ExistsCondition = z.object({ key: FieldKey, exists: z.boolean() }).strict();
/** Points of a `geo` field within `radius` metres (great-circle) of `center`. */
/**
 * Points of a `geo` field inside a latitude/longitude box (a map's viewport; Qdrant's shape). A box whose left
 * edge is east of its right one spans the antimeridian.
 */
export const GeoBoxCondition = z
  .object({
    key: FieldKey,
    geo_bounding_box: z
      .object({ top_left: GeoPoint, bottom_right: GeoPoint })
      .strict()
      .refine(
        (b) => b.top_left.lat >= b.bottom_right.lat,
        'top_left must not be south of bottom_right',
      ),
  })
  .strict();
export const GeoRadiusCondition = z
  .object({
    key: FieldKey,
    geo_radius: z
      .object({ center: GeoPoint, radius: z.number().positive().max(20_100_000) })
      .strict(),
  })
  .strict();

export type Condition =
  | z.infer<typeof MatchCondition>
  | z.infer<typeof InCondition>
  | z.infer<typeof RangeCondition>
  | z.infer<typeof ExistsCondition>
  | z.infer<typeof GeoRadiusCondition>
  | z.infer<typeof GeoBoxCondition>
  | Filter;

export interface Filter {
  must?: Condition[];
  should?: Condition[];
  must_not?: Condition[];
}

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    MatchCondition,
    InCondition,
    RangeCondition,
    ExistsCondition,
    GeoRadiusCondition,
    GeoBoxCondition,
    Filter,
  ]),
);
export const Filter: z.ZodType<Filter> = z.lazy(() =>
  z
    .object({
      must: z.array(Condition).max(64).optional(),
      should: z.array(Condition).max(64).optional(),
      must_not: z.array(Condition).max(64).optional(),
    })
    .strict(),
);

export function isNestedFilter(c: Condition): c is Filter {
  return !('key' in c);
}
