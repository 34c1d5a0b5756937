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
