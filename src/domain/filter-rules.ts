import type { PayloadFieldType } from './collection.js';
import { Filter as FilterSchema, type Filter } from './filter.js';
import { ChorusError } from '../errors.js';

/**
 * The backend-neutral half of filtering, shared by the LanceDB and Qdrant translations so both refuse the same
 * filters with the same messages: schema validation, only `payloadIndexes` fields, type checks, datetimes.
 */

export type Scalar = string | number | boolean;

/** Validates a caller's filter (it may come from JSON) against the typed filter language. */
export function parseFilter(filter: Filter): Filter {
  const parsed = FilterSchema.safeParse(filter);
  if (!parsed.success) {
    throw new ChorusError(
      'VALIDATION',
      `invalid filter: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** The indexed type of a filtered field; a field outside payloadIndexes is not filterable. */
export function filterableType(
  key: string,
  indexes: Readonly<Record<string, PayloadFieldType>>,
): PayloadFieldType {
  const type = indexes[key];
  if (type) return type;
  const known = Object.keys(indexes);
  throw new ChorusError(
    'VALIDATION',
    `payload field ${JSON.stringify(key)} is not filterable; declare it in payloadIndexes (indexed: ${known.length ? known.join(', ') : 'none'})`,
    { key },
  );
}

export function assertRangeType(key: string, type: PayloadFieldType): void {
  if (type !== 'integer' && type !== 'float' && type !== 'datetime') {
    throw new ChorusError(
      'VALIDATION',
      `range filters need a numeric or datetime field; ${key} is ${type}`,
      { key },
    );
  }
}

/** A geo_radius or geo_bounding_box condition needs a `geo` field. */
export function assertGeoType(key: string, type: PayloadFieldType, what = 'geo_radius'): void {
  if (type !== 'geo')
    throw new ChorusError('VALIDATION', `${what} filters need a geo field; ${key} is ${type}`, {
      key,
    });
}

export function typeError(key: string, type: PayloadFieldType, v: unknown): ChorusError {
  return new ChorusError(
    'VALIDATION',
    `payload field ${key} is ${type}; cannot compare it with ${JSON.stringify(v)}`,
    {
      key,
    },
  );
}

/** Datetime fields are stored as epoch milliseconds; strings must parse as ISO 8601. */
export function parseDatetime(v: string, key: string): number {
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) {
    throw new ChorusError(
      'VALIDATION',
      `payload field ${key}: ${JSON.stringify(v)} is not a datetime`,
      { key },
    );
  }
  return ms;
}

/** What a filter costs to plan and evaluate: every condition is checked per candidate, nested ones recursively. */
export interface FilterCost {
  /** Leaf conditions plus nested filters. */
  conditions: number;
  /** Nesting depth: a flat filter is 1. */
  depth: number;
  /** The longest `in` list. */
  maxInValues: number;
}

/**
 * Works on unvalidated JSON too (anything not shaped like a filter counts nothing), so routes can refuse an
 * oversized filter before the schema walks all of it: parsing a 2 MB filter costs ~1 s of CPU, counting it ~20 ms.
 */
export function filterCost(filter: unknown): FilterCost {
  const cost: FilterCost = { conditions: 0, depth: 0, maxInValues: 0 };
  const walk = (f: unknown, depth: number) => {
    if (!f || typeof f !== 'object') return;
    cost.depth = Math.max(cost.depth, depth);
    for (const clause of ['must', 'should', 'must_not'] as const) {
      const list = (f as Record<string, unknown>)[clause];
      if (!Array.isArray(list)) continue;
      for (const c of list as unknown[]) {
        cost.conditions++;
        if (!c || typeof c !== 'object') continue;
        const values = (c as { in?: unknown }).in;
        if (!('key' in c)) walk(c, depth + 1);
        else if (Array.isArray(values))
          cost.maxInValues = Math.max(cost.maxInValues, values.length);
      }
    }
  };
  walk(filter, 1);
  return cost;
}

export interface FilterLimits {
  filterMaxConditions: number;
  filterMaxDepth: number;
  filterMaxInValues: number;
}

/** Refuses a filter over any configured limit, naming the limit and its setting (400). */
export function checkFilterCost(filter: Filter | unknown, limits: FilterLimits): void {
  if (!filter) return;
  const cost = filterCost(filter);
  const over = (what: string, value: number, setting: keyof FilterLimits) =>
    new ChorusError(
      'VALIDATION',
      `the filter has ${value} ${what}; the limit is ${limits[setting]} (limits.${setting})`,
      { limit: setting, value, max: limits[setting] },
    );
  if (cost.conditions > limits.filterMaxConditions)
    throw over('conditions', cost.conditions, 'filterMaxConditions');
  if (cost.depth > limits.filterMaxDepth)
    throw over('levels of nesting', cost.depth, 'filterMaxDepth');
  if (cost.maxInValues > limits.filterMaxInValues)
    throw over('values in one "in" list', cost.maxInValues, 'filterMaxInValues');
}
