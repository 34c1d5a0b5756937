import type { Payload } from '../domain/item.js';
import type { TextAnalysis } from '../domain/lexical.js';
import type { QuerySyntax } from '../domain/query-syntax.js';

/** Whether an item's text fields satisfy a query's quoted phrases and exclusions. */
export type TextRequirement = (payload: Payload) => boolean;

/**
 * The test a query's operators put on every candidate, whichever list found it: each phrase held by one of the
 * item's text fields (a string, or an element of a list of strings), no excluded word or phrase held by any.
 * `ignored`: operators without a searchable word (stop words only), which test nothing.
 */
export function textRequirement(
  analysis: Pick<TextAnalysis, 'phraseMatcher'>,
  syntax: Pick<QuerySyntax, 'phrases' | 'excluded'>,
  fields: readonly string[],
): { accept?: TextRequirement; ignored: string[] } {
  const ignored: string[] = [];
  const compile = (list: readonly string[]) =>
    list.flatMap((p) => {
      const m = analysis.phraseMatcher(p);
      if (!m) ignored.push(p);
      return m ? [m] : [];
    });
  const must = compile(syntax.phrases);
  const mustNot = compile(syntax.excluded);
  if (must.length + mustNot.length === 0) return { ignored };
  const texts = (payload: Payload): string[] =>
    fields.flatMap((f) => {
      const v = payload[f];
      if (typeof v === 'string') return [v];
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    });
  return {
    ignored,
    accept: (payload) => {
      const held = texts(payload);
      return (
        must.every((m) => held.some((t) => m(t))) && !mustNot.some((m) => held.some((t) => m(t)))
      );
    },
  };
}
