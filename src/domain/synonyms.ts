import { z } from 'zod';
import type { LexicalExpansion } from './lexical.js';

export const MAX_SYNONYM_ENTRIES = 10_000;
export const MAX_GROUP_SIZE = 32;
export const MAX_EXPRESSION_LENGTH = 100;

const Expression = z.string().trim().min(1).max(MAX_EXPRESSION_LENGTH);

/**
 * Groups of words or phrases a text query treats as one ("tee", "t-shirt", "tshirt"): a query holding one
 * expression of a group also searches BM25 for the others. Vector lists are untouched (embeddings already place
 * synonyms together).
 */
export const SynonymGroups = z
  .array(
    z
      .array(Expression)
      .min(2, 'a synonym group needs at least two words or phrases')
      .max(MAX_GROUP_SIZE),
  )
  .max(MAX_SYNONYM_ENTRIES)
  .meta({ description: `Groups of equivalent words or phrases (2-${MAX_GROUP_SIZE} each)` });
export type SynonymGroups = z.infer<typeof SynonymGroups>;

/** One-way: a query holding an expression of `from` also searches `to` ("sneakers" => "shoes"), not the reverse. */
export const SynonymRule = z
  .object({
    from: z.array(Expression).min(1).max(MAX_GROUP_SIZE),
    to: z.array(Expression).min(1).max(MAX_GROUP_SIZE),
  })
  .strict();
export type SynonymRule = z.infer<typeof SynonymRule>;

export const SynonymSet = z
  .object({
    groups: SynonymGroups.default([]),
    rules: z
      .array(SynonymRule)
      .max(MAX_SYNONYM_ENTRIES)
      .default([])
      .meta({ description: 'One-way rules: `from` also searches `to`' }),
  })
  .strict()
  .refine((s) => s.groups.length + s.rules.length <= MAX_SYNONYM_ENTRIES, {
    message: `at most ${MAX_SYNONYM_ENTRIES} groups and rules together`,
  })
  .meta({ id: 'Synonyms' });
export type SynonymSet = z.infer<typeof SynonymSet>;

/** What a text query gains from the collection's synonyms: the lexical expansion and what to report. */
export interface SynonymExpansion extends LexicalExpansion {
  /** The expressions the terms came from, as configured (reported with the response). */
  added: string[];
}

/** The synonyms port: stored per collection, applied to text queries. */
export interface Synonyms {
  get(collection: string): SynonymSet;
  /** Replaces the collection's synonyms (validated: every expression must hold a searchable word); returns them as kept. */
  replace(collection: string, set: SynonymSet): SynonymSet;
  drop(collection: string): void;
  expand(collection: string, query: string): SynonymExpansion;
}
