import type { FacetFilters } from '../domain/facet-filters.js';
import type { Filter } from '../domain/filter.js';

/** The `--filter` flag's help, the same on every command that takes it. */
export const FILTER_FLAG_HELP =
  "only items that pass: key=value, key!=value, key>=n (comma-separated, all must hold), or the API's JSON";

/** A `--filter` flag's text as a filter (the parser loads on use: `--help` stays free of zod). */
export async function readFilterFlag(text: string | undefined): Promise<Filter | undefined> {
  if (text === undefined) return undefined;
  const { parseFilterText } = await import('../domain/filter-text.js');
  return parseFilterText(text);
}

/** The `--facet-filter` flag's help. */
export const FACET_FILTER_FLAG_HELP =
  'tick a facet value: field=value (repeatable; values of one field are alternatives, fields all apply)';

/** `--facet-filter` flags as `facetFilters` (undefined without any). */
export async function readFacetFilterFlags(
  texts: readonly string[] | undefined,
): Promise<FacetFilters | undefined> {
  if (!texts?.length) return undefined;
  const { parseFacetFilterTexts } = await import('../domain/filter-text.js');
  return parseFacetFilterTexts(texts);
}
