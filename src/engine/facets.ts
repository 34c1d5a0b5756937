import type { Candidate } from '../domain/candidate.js';
import { MAX_FACET_FILTER_VALUES, type FacetFilters } from '../domain/facet-filters.js';
import { FieldKey } from '../domain/filter.js';
import type { Payload } from '../domain/item.js';
import { ChorusError } from '../errors.js';
import { checkPayloadField } from './payload-field-check.js';

/** One value of a payload field and how many of the query's candidates have it. */
export interface FacetValue {
  value: string | number | boolean;
  count: number;
}

/** Per requested field, its most frequent values, most frequent first. */
export type Facets = Record<string, FacetValue[]>;

export const MAX_FACET_FIELDS = 16;
export const MAX_FACET_SIZE = 100;
export const DEFAULT_FACET_SIZE = 10;

/** Refuses what the API's schema refuses (the embedded library calls the engine without it). */
export function checkFacets(fields: readonly string[] | undefined, size: number | undefined): void {
  if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= MAX_FACET_SIZE))
    throw new ChorusError(
      'VALIDATION',
      `facetSize must be an integer from 1 to ${MAX_FACET_SIZE}, got ${String(size)}`,
    );
  if (fields === undefined) return;
  if (fields.length > MAX_FACET_FIELDS)
    throw new ChorusError('VALIDATION', `at most ${MAX_FACET_FIELDS} facets, got ${fields.length}`);
  for (const f of fields) checkFacetField(f, 'facet');
}

function checkFacetField(f: unknown, what: 'facet' | 'facetFilters'): void {
  checkPayloadField(f, what, { [what]: f });
}

/** Refuses what the API's schema refuses: at most 16 fields, each an identifier with 1-100 scalar values. */
export function checkFacetFilters(selections: FacetFilters | undefined): void {
  if (selections === undefined) return;
  if (typeof selections !== 'object' || selections === null || Array.isArray(selections))
    throw new ChorusError('VALIDATION', 'facetFilters maps payload fields to lists of values');
  const entries = Object.entries(selections);
  if (entries.length > MAX_FACET_FIELDS)
    throw new ChorusError(
      'VALIDATION',
      `facetFilters has at most ${MAX_FACET_FIELDS} fields, got ${entries.length}`,
    );
  for (const [field, values] of entries) {
    checkFacetField(field, 'facetFilters');
    if (!FieldKey.safeParse(field).success)
      throw new ChorusError('VALIDATION', `facetFilters field "${field}" is not an identifier`);
    if (
      !Array.isArray(values) ||
      values.length < 1 ||
      values.length > MAX_FACET_FILTER_VALUES ||
      !values.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    )
      throw new ChorusError(
        'VALIDATION',
        `facetFilters.${field} is a list of 1 to ${MAX_FACET_FILTER_VALUES} strings, numbers or booleans`,
      );
  }
}

/**
 * Counts payload fields' values, one payload at a time (a query's candidates, or a whole collection page by page).
 * A list value counts each distinct element once per item; objects and null are not values. Ties go by type, then
 * the value's text (booleans, numbers, strings), so the answer does not depend on the order payloads arrived in.
 */
export class FacetCounter {
  private readonly counts = new Map<string, Map<string, FacetValue>>();

  constructor(fields: readonly string[]) {
    for (const f of new Set(fields)) this.counts.set(f, new Map());
  }

  add(payload: Payload): void {
    for (const [field, counts] of this.counts) {
      const raw = payload[field];
      const values = Array.isArray(raw) ? new Set(raw) : [raw];
      for (const v of values) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
        // Keyed by type too: the string "1" and the number 1 are different values.
        const key = `${typeof v}:${String(v)}`;
        const seen = counts.get(key);
        if (seen) seen.count++;
        else counts.set(key, { value: v, count: 1 });
      }
    }
  }

  /** Per field, its `size` most frequent values. */
  top(size = DEFAULT_FACET_SIZE): Facets {
    const out: Facets = {};
    for (const [field, counts] of this.counts)
      out[field] = [...counts]
        .sort(([ka, a], [kb, b]) => b.count - a.count || (ka < kb ? -1 : ka > kb ? 1 : 0))
        .slice(0, size)
        .map(([, v]) => v);
    return out;
  }
}

/**
 * Counts each field's values over the query's candidates (the union of its stage-1 lists, filters applied), as
 * search engines aggregate a k-NN query's top k: what the ranking considered, not the whole collection. A field in
 * `own` is counted over its own candidates instead (those retrieved without its facet selection).
 */
export function countFacets(
  candidates: readonly Candidate[],
  fields: readonly string[],
  size = DEFAULT_FACET_SIZE,
  own?: ReadonlyMap<string, readonly Candidate[]>,
): Facets {
  const counter = new FacetCounter(fields.filter((f) => !own?.has(f)));
  for (const c of candidates) counter.add(c.payload);
  const shared = counter.top(size);
  const out: Facets = {};
  for (const f of new Set(fields)) {
    const list = own?.get(f);
    out[f] = list ? countFacets(list, [f], size)[f]! : shared[f]!;
  }
  return out;
}
