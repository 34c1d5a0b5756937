import { z } from 'zod';
import type { LexicalExpansion } from './lexical.js';

export const MAX_SYNONYM_GROUPS = 10_000;
export const MAX_GROUP_SIZE = 32;
export const MAX_EXPRESSION_LENGTH = 100;

/**
 * A collection's synonyms: groups of words or phrases a text query treats as one ("tee", "t-shirt", "tshirt"). A
 * query holding one expression of a group also searches BM25 for the others; vector lists are untouched (embeddings
 * already place synonyms together).
 */
export const SynonymGroups = z
  .array(
    z
      .array(z.string().trim().min(1).max(MAX_EXPRESSION_LENGTH))
      .min(2, 'a synonym group needs at least two words or phrases')
      .max(MAX_GROUP_SIZE),
  )
  .max(MAX_SYNONYM_GROUPS)
  .meta({
    description: `Groups of equivalent words or phrases (2-${MAX_GROUP_SIZE} each, at most ${MAX_SYNONYM_GROUPS} groups)`,
  });
export type SynonymGroups = z.infer<typeof SynonymGroups>;

/** What a text query gains from the collection's synonyms: the lexical expansion and what to report. */
export interface SynonymExpansion extends LexicalExpansion {
  /** The expressions the terms came from, as configured (reported with the response). */
  added: string[];
}

/** The synonyms port: stored per collection, applied to text queries. */
export interface Synonyms {
  groups(collection: string): SynonymGroups;
  /** Replaces the collection's groups (validated: every expression must hold a searchable word); returns them as kept. */
  replace(collection: string, groups: SynonymGroups): SynonymGroups;
  drop(collection: string): void;
  expand(collection: string, query: string): SynonymExpansion;
}
