import { z } from 'zod';
import { queryWords } from './curations.js';

/** Longest query (in characters of its normalised words) offered as a suggestion: longer ones are pastes, not queries. */
export const MAX_SUGGESTION_LENGTH = 80;
/** Most suggestions one lookup answers. */
export const MAX_SUGGESTIONS = 20;
/** Most words in a suggestion. */
export const MAX_SUGGESTION_WORDS = 8;

/** A past query offered to people typing its start. */
export interface QuerySuggestion {
  /** The query's words, normalised as curation rules compare them (lower case, punctuation aside). */
  query: string;
  /** Distinct users who searched it and got results. */
  users: number;
  /** Searches of it that got results (first pages). */
  searches: number;
}

/**
 * What a collection never suggests: words or phrases (a suggestion holding one, its words in a row, is left out,
 * as a search box's banned expressions are: profanity, a competitor's name, a recalled product).
 */
export const SuggestionSettings = z
  .object({
    exclude: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(100)
          .refine(
            (e) => queryWords(e).length > 0,
            'an excluded expression needs a letter or digit',
          ),
      )
      .max(10_000)
      .default([])
      .meta({ description: 'Words or phrases no suggestion may hold' }),
  })
  .strict()
  .meta({ id: 'SuggestionSettings' });
export type SuggestionSettings = z.infer<typeof SuggestionSettings>;

/** The suggestion settings port: stored per collection. */
export interface SuggestionSettingsStore {
  get(collection: string): SuggestionSettings;
  replace(collection: string, settings: SuggestionSettings): SuggestionSettings;
  drop(collection: string): void;
}

/** A test of whether a suggestion holds an excluded expression (its words in a row). */
export function excludedBy(exclude: readonly string[]): (query: string) => boolean {
  if (exclude.length === 0) return () => false;
  const byFirst = new Map<string, string[][]>();
  for (const e of exclude) {
    const words = queryWords(e);
    byFirst.set(words[0]!, [...(byFirst.get(words[0]!) ?? []), words]);
  }
  return (query) => {
    const words = query.split(' ');
    return words.some((w, i) =>
      (byFirst.get(w) ?? []).some((want) => want.every((x, j) => words[i + j] === x)),
    );
  };
}

/** The suggestions port: past queries that start with what someone is typing, best first. */
export interface QuerySuggestions {
  /** `skip`: suggestions never to offer (the collection's excluded expressions). */
  suggest(
    collection: string,
    prefix: string,
    limit: number,
    skip?: (query: string) => boolean,
  ): Promise<QuerySuggestion[]>;
  /** Drops what is kept for a collection (it was dropped). */
  forget(collection: string): void;
}

/**
 * The form a searched text is counted and matched under, or undefined when it is not offered as a suggestion:
 * queries with operators (a quoted phrase, a -exclusion: their words alone would mean something else), with no
 * word, or too long to be a query someone typed.
 */
export function suggestionKey(text: string): string | undefined {
  if (/["“”]/.test(text) || /(^|\s)-\S/.test(text)) return undefined;
  const words = queryWords(text);
  if (words.length === 0 || words.length > MAX_SUGGESTION_WORDS) return undefined;
  const key = words.join(' ');
  return key.length <= MAX_SUGGESTION_LENGTH ? key : undefined;
}

/**
 * What is typed, in the form suggestions are stored under: its words, and a trailing space when it ends between
 * words ("walnut " suggests "walnut lamp" but not "walnuts"). '' when it has no word.
 */
export function suggestionPrefix(typed: string): string {
  const words = queryWords(typed);
  if (words.length === 0) return '';
  const ended = /[^\p{L}\p{M}\p{N}]$/u.test(typed.normalize('NFKC'));
  return words.join(' ') + (ended ? ' ' : '');
}

/** One search as suggestions count it: its text (as typed), who searched, whether it found anything. */
export interface LoggedSearch {
  query: string;
  userId?: string;
  found: boolean;
}

/**
 * Counts searched texts into suggestions: only searches that found something count, and a query is offered once
 * `minUsers` distinct users searched it (a search without a user id counts as a search, never as a user), so one
 * client cannot plant a suggestion and one person's query is never shown to others.
 */
export function countSuggestions(
  searches: Iterable<LoggedSearch>,
  minUsers: number,
): QuerySuggestion[] {
  const counts = new Map<string, { users: Set<string>; searches: number }>();
  for (const s of searches) {
    if (!s.found) continue;
    const key = suggestionKey(s.query);
    if (key === undefined) continue;
    let c = counts.get(key);
    if (!c) counts.set(key, (c = { users: new Set(), searches: 0 }));
    c.searches++;
    if (s.userId !== undefined) c.users.add(s.userId);
  }
  const out: QuerySuggestion[] = [];
  for (const [query, c] of counts)
    if (c.users.size >= minUsers) out.push({ query, users: c.users.size, searches: c.searches });
  return out;
}

const better = (a: QuerySuggestion, b: QuerySuggestion) =>
  b.users - a.users || b.searches - a.searches || (a.query < b.query ? -1 : 1);

/**
 * Suggestions sorted by text, so the ones starting with a prefix are one contiguous range found by binary search;
 * the best of the range are picked in one pass (most users, then most searches, then alphabetical).
 */
export class SuggestionIndex {
  private readonly sorted: QuerySuggestion[];
  /** The best overall, for an empty prefix (a search box just focused: "popular searches"). */
  private readonly top: QuerySuggestion[];

  constructor(suggestions: readonly QuerySuggestion[]) {
    this.sorted = [...suggestions].sort((a, b) =>
      a.query < b.query ? -1 : a.query > b.query ? 1 : 0,
    );
    this.top = [...suggestions].sort(better).slice(0, MAX_SUGGESTIONS);
  }

  get size(): number {
    return this.sorted.length;
  }

  /** The best `limit` (at most MAX_SUGGESTIONS) suggestions starting with `prefix` (a suggestionPrefix; '': all). */
  lookup(
    prefix: string,
    limit: number,
    skip: (query: string) => boolean = () => false,
  ): QuerySuggestion[] {
    if (limit < 1) return [];
    if (prefix === '') return this.top.filter((s) => !skip(s.query)).slice(0, limit);
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]!.query < prefix) lo = mid + 1;
      else hi = mid;
    }
    const best: QuerySuggestion[] = [];
    for (let i = lo; i < this.sorted.length && this.sorted[i]!.query.startsWith(prefix); i++) {
      const s = this.sorted[i]!;
      if (best.length === limit && better(s, best[limit - 1]!) >= 0) continue;
      if (skip(s.query)) continue;
      best.push(s);
      best.sort(better);
      if (best.length > limit) best.pop();
    }
    return best;
  }
}
