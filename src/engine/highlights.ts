import type { Payload } from '../domain/item.js';
import type { TextAnalysis } from '../domain/lexical.js';

/** A string field's span [start, end), or a list element's [element, start, end]. */
export type Highlight = [number, number] | [number, number, number];
/** Spans a list field may report, as a string field's (the analyzer's cap). */
const MAX_LIST_SPANS = 100;

/**
 * Spans of the query's terms (and `also`: index terms the list searched besides, from typo corrections and synonyms)
 * per text field of a shown hit, through the lexical index's own analysis.
 */
export function highlights(
  analysis: Pick<TextAnalysis, 'matchSpans'>,
  payload: Payload,
  h: { query: string; fields: readonly string[] },
  also: readonly string[],
): Record<string, Highlight[]> {
  const out: Record<string, Highlight[]> = {};
  for (const field of h.fields) {
    const value = payload[field];
    const spans: Highlight[] = [];
    if (typeof value === 'string') spans.push(...analysis.matchSpans(h.query, value, also));
    else if (Array.isArray(value))
      // A list of strings (tags) is indexed too: its spans name the element, [element, start, end].
      value.forEach((text, i) => {
        if (typeof text !== 'string' || spans.length >= MAX_LIST_SPANS) return;
        for (const [a, b] of analysis.matchSpans(h.query, text, also)) spans.push([i, a, b]);
      });
    if (spans.length > 0) out[field] = spans.slice(0, MAX_LIST_SPANS);
  }
  return out;
}
