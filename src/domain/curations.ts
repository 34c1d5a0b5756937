import { z } from 'zod';
import { ChorusError } from '../errors.js';
import { ItemId } from './names.js';

export const MAX_CURATIONS = 1_000;
export const MAX_PROMOTED = 50;
export const MAX_HIDDEN = 1_000;
export const MAX_CURATION_QUERY_LENGTH = 200;

/**
 * A merchandiser's rule for one query (Elastic App Search's curations, Typesense's overrides): `promote` puts these
 * items first, in this order; `hide` keeps these out. `exact` applies when the query is the rule's words, `contains`
 * when it holds them in a row. Words compare case- and width-blind with punctuation ignored ("Summer  Sale!" is
 * "summer sale"), never stemmed: a rule is for the query people type.
 */
export const Curation = z
  .object({
    query: z.string().trim().min(1).max(MAX_CURATION_QUERY_LENGTH),
    match: z.enum(['exact', 'contains']).default('exact'),
    promote: z.array(ItemId).max(MAX_PROMOTED).default([]),
    hide: z.array(ItemId).max(MAX_HIDDEN).default([]),
  })
  .strict()
  .refine((c) => queryWords(c.query).length > 0, {
    message: 'a rule query needs a letter or digit',
    path: ['query'],
  })
  .refine((c) => c.promote.length + c.hide.length > 0, {
    message: 'a rule promotes or hides at least one item',
  })
  .refine((c) => !c.promote.some((id) => c.hide.includes(id)), {
    message: 'an item cannot be both promoted and hidden by one rule',
  })
  .refine((c) => new Set(c.promote).size === c.promote.length, {
    message: 'an item is promoted once per rule',
    path: ['promote'],
  });
export type Curation = z.infer<typeof Curation>;

export const CurationSet = z
  .object({
    rules: z.array(Curation).max(MAX_CURATIONS).default([]).meta({
      description: 'Tried in order: the first whose query matches applies (put exact rules first)',
    }),
  })
  .strict()
  .meta({ id: 'Curations' });
export type CurationSet = z.infer<typeof CurationSet>;

/** A query's words as rules compare them: NFKC, lower case, split on anything but letters, marks and digits. */
export function queryWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter(Boolean);
}

/** What applies to a query: the rule (by its place in the list) and its items. */
export interface CurationMatch {
  /** 0-based place of the rule in the collection's list. */
  index: number;
  rule: Curation;
}

/**
 * A collection's rules ready to match: exact rules by their words (one lookup), `contains` rules by their first word
 * (only those whose first word was typed are tried). Compiled once per change of the rules, not per search.
 */
export class CurationMatcher {
  private readonly exact = new Map<string, number>();
  private readonly containsByFirst = new Map<string, { index: number; words: string[] }[]>();

  constructor(private readonly rules: readonly Curation[]) {
    rules.forEach((r, index) => {
      const words = queryWords(r.query);
      if (r.match === 'contains') {
        const list = this.containsByFirst.get(words[0]!) ?? [];
        list.push({ index, words });
        this.containsByFirst.set(words[0]!, list);
      } else if (!this.exact.has(words.join(' '))) this.exact.set(words.join(' '), index);
    });
  }

  /** The first rule (in list order) that matches `text`, if any. */
  match(text: string): CurationMatch | undefined {
    const typed = queryWords(text);
    if (typed.length === 0) return undefined;
    let index = this.exact.get(typed.join(' ')) ?? Infinity;
    for (const word of new Set(typed))
      for (const c of this.containsByFirst.get(word) ?? []) {
        if (c.index >= index) break; // each list is in rule order
        if (holdsInRow(typed, c.words)) index = c.index;
      }
    return index === Infinity ? undefined : { index, rule: this.rules[index]! };
  }
}

/** The first rule of `rules` that matches `text`, if any. */
export function matchCuration(rules: readonly Curation[], text: string): CurationMatch | undefined {
  return new CurationMatcher(rules).match(text);
}

function holdsInRow(typed: readonly string[], want: readonly string[]): boolean {
  for (let start = 0; start + want.length <= typed.length; start++)
    if (want.every((w, j) => typed[start + j] === w)) return true;
  return false;
}

export type CurateAction = 'promote' | 'hide' | 'clear';

/**
 * The rules with one item promoted (last of the promoted), hidden, or cleared from the exact rule for `query`: one
 * click in the tuning screen. The exact rule is created first in the list when missing (so it wins over broader
 * `contains` rules for this query) and removed when it no longer does anything.
 */
export function curateItem(
  set: CurationSet,
  query: string,
  itemId: string,
  action: CurateAction,
): CurationSet {
  const words = queryWords(query).join(' ');
  if (!words) throw new ChorusError('VALIDATION', 'a curated query needs a letter or digit');
  const at = set.rules.findIndex(
    (r) => r.match === 'exact' && queryWords(r.query).join(' ') === words,
  );
  const rule: Curation =
    at >= 0 ? set.rules[at]! : { query: query.trim(), match: 'exact', promote: [], hide: [] };
  const promote = rule.promote.filter((id) => id !== itemId);
  const hide = rule.hide.filter((id) => id !== itemId);
  if (action === 'promote') promote.push(itemId);
  if (action === 'hide') hide.push(itemId);
  const next: Curation = { ...rule, promote, hide };
  const rest = set.rules.filter((_, i) => i !== at);
  const keep = promote.length + hide.length > 0;
  if (at >= 0) return { rules: keep ? set.rules.map((r, i) => (i === at ? next : r)) : rest };
  return { rules: keep ? [next, ...rest] : rest };
}

/** The curations port: stored per collection, matched against text queries. */
export interface Curations {
  get(collection: string): CurationSet;
  /** Replaces the collection's rules (an empty list removes them); returns them as stored. */
  replace(collection: string, set: CurationSet): CurationSet;
  drop(collection: string): void;
  match(collection: string, text: string): CurationMatch | undefined;
}
