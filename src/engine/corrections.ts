import type { Payload } from '../domain/item.js';
import type { TermCorrection, TextAnalysis } from '../domain/lexical.js';

/** A query word typo tolerance read as another, as the response reports it ("did you mean"). */
export interface Correction {
  /** The word as typed (lowercased). */
  word: string;
  /** What it was read as, spelt as the first shown hit holding it spells it (else the index term, maybe a stem). */
  as: string;
}

/**
 * Each correction with a readable spelling: the index term is an analyzed form ("categori" for "categories"), so
 * the word is taken from the first shown hit's text fields (strings, or lists of strings) holding it.
 */
export function spellCorrections(
  analysis: Pick<TextAnalysis, 'matchSpans'>,
  corrections: readonly TermCorrection[],
  shown: readonly { payload: Payload }[],
  fields: readonly string[],
): Correction[] {
  return corrections.map((c) => ({
    word: c.word,
    as: spelling(analysis, c.term, shown, fields) ?? c.term,
  }));
}

function spelling(
  analysis: Pick<TextAnalysis, 'matchSpans'>,
  term: string,
  shown: readonly { payload: Payload }[],
  fields: readonly string[],
): string | undefined {
  for (const hit of shown) {
    for (const field of fields) {
      const value = hit.payload[field];
      for (const text of Array.isArray(value) ? value : [value]) {
        if (typeof text !== 'string') continue;
        const [span] = analysis.matchSpans('', text, [term]);
        if (span) return text.slice(span[0], span[1]).toLowerCase();
      }
    }
  }
  return undefined;
}

/** The note a response carries for its corrections. */
export function correctionNote(corrections: readonly Correction[]): string {
  return `typo tolerance read ${corrections.map((c) => `"${c.word}" as "${c.as}"`).join(', ')}`;
}
