import type { Filter } from './filter.js';

export type FacetScalar = string | number | boolean;

/**
 * Facet values a user ticked, per payload field: an item passes when, for every field, it has one of that field's
 * values (OR within a field, AND across fields), as a shop's "Brand: acme or birch, Colour: red" sidebar reads.
 */
export type FacetFilters = Record<string, FacetScalar[]>;

export const MAX_FACET_FILTER_VALUES = 100;

/**
 * `filter` with every field's selection added as an `in` condition, leaving out `except`'s: the hits pass them
 * all; a field's own facet counts pass every selection but its own (disjunctive facets), so its other values keep
 * their counts once one is ticked. Undefined when nothing is left to check.
 */
export function withFacetFilters(
  filter: Filter | undefined,
  selections: FacetFilters | undefined,
  except?: string,
): Filter | undefined {
  const conditions = Object.entries(selections ?? {})
    .filter(([field]) => field !== except)
    .map(([key, values]) => ({ key, in: values }));
  if (conditions.length === 0) return filter;
  return { ...filter, must: [...(filter?.must ?? []), ...conditions] };
}

/** The selected fields whose own facet counts differ from the hits' (those also asked as facets). */
export function disjunctiveFields(
  facets: readonly string[] | undefined,
  selections: FacetFilters | undefined,
): string[] {
  if (!facets?.length || !selections) return [];
  return [...new Set(facets)].filter((f) => Object.hasOwn(selections, f));
}
