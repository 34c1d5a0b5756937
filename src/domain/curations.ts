import { z } from 'zod';
import { ChorusError } from '../errors.js';
import { ItemId } from './names.js';

export const MAX_CURATIONS = 1_000;
export const MAX_PROMOTED = 50;
export const MAX_HIDDEN = 1_000;
export const MAX_CURATION_QUERY_LENGTH = 200;
/** Deepest position a rule may place its promoted items at (1-based). */
export const MAX_CURATION_POSITION = 1_000;

const Instant = z.iso
  .datetime({ offset: true, error: 'a date and time with a zone, e.g. 2026-12-01T00:00:00Z' })
  .meta({ description: 'ISO 8601 date and time with a zone (Z or +01:00)' });

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
    position: z.number().int().min(1).max(MAX_CURATION_POSITION).optional().meta({
      description:
        'Where the first promoted item goes, 1-based (default 1: the top); the ranking fills the places above',
    }),
    from: Instant.optional().meta({ description: 'The rule applies from this instant on' }),
    until: Instant.optional().meta({ description: 'The rule stops applying at this instant' }),
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
  })
  .refine((c) => !c.from || !c.until || Date.parse(c.from) < Date.parse(c.until), {
    message: '"from" must come before "until"',
    path: ['until'],
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

/** Whether a rule's schedule (`from`, `until`) holds at `now` (epoch ms); a rule without one always applies. */
export function isActive(rule: Pick<Curation, 'from' | 'until'>, now: number): boolean {
  return (
    (rule.from === undefined || Date.parse(rule.from) <= now) &&
    (rule.until === undefined || now < Date.parse(rule.until))
  );
}

/**
 * A collection's rules ready to match: exact rules by their words (one lookup), `contains` rules by their first word
 * (only those whose first word was typed are tried). Compiled once per change of the rules, not per search; a
 * scheduled rule is skipped outside its window, so the next rule that matches applies then.
 */
export class CurationMatcher {
  private readonly exact = new Map<string, number[]>();
  private readonly containsByFirst = new Map<string, { index: number; words: string[] }[]>();
  private readonly windows: ({ from: number; until: number } | undefined)[];

  constructor(private readonly rules: readonly Curation[]) {
    this.windows = rules.map((r) =>
      r.from === undefined && r.until === undefined
        ? undefined
        : {
            from: r.from === undefined ? -Infinity : Date.parse(r.from),
            until: r.until === undefined ? Infinity : Date.parse(r.until),
          },
    );
    rules.forEach((r, index) => {
      const words = queryWords(r.query);
      if (r.match === 'contains') {
        const list = this.containsByFirst.get(words[0]!) ?? [];
        list.push({ index, words });
        this.containsByFirst.set(words[0]!, list);
      } else {
        const key = words.join(' ');
        this.exact.set(key, [...(this.exact.get(key) ?? []), index]);
      }
    });
  }

  /** The first rule (in list order) that matches `text` and is active at `now`, if any. */
  match(text: string, now = Date.now()): CurationMatch | undefined {
    const typed = queryWords(text);
    if (typed.length === 0) return undefined;
    const active = (i: number) => {
      const w = this.windows[i];
      return w === undefined || (w.from <= now && now < w.until);
    };
    let index = this.exact.get(typed.join(' '))?.find(active) ?? Infinity;
    for (const word of new Set(typed))
      for (const c of this.containsByFirst.get(word) ?? []) {
        if (c.index >= index) break; // each list is in rule order
        if (active(c.index) && holdsInRow(typed, c.words)) index = c.index;
      }
    return index === Infinity ? undefined : { index, rule: this.rules[index]! };
  }
}

/** The first rule of `rules` that matches `text` (and is active at `now`), if any. */
export function matchCuration(
  rules: readonly Curation[],
  text: string,
  now?: number,
): CurationMatch | undefined {
  return new CurationMatcher(rules).match(text, now);
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
