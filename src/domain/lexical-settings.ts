import { z } from 'zod';
import { LEXICAL_LANGUAGES } from './lexical-languages.js';

export const MAX_FIELD_WEIGHT = 10;

/**
 * How a collection's BM25 documents are built. `fieldWeights`: a text field of weight w counts w times (its term
 * frequencies and its share of the document length), the usual BM25F simplification with shared k1 and b: a word
 * in the title can count for more than one in the body. Fields not named weigh 1. `language`: the analyzer's.
 */
export const LexicalSettings = z
  .object({
    fieldWeights: z
      .record(z.string().min(1).max(64), z.number().int().min(1).max(MAX_FIELD_WEIGHT))
      .default({})
      .meta({
        description: `Text field -> weight (whole number 1-${MAX_FIELD_WEIGHT}; default 1)`,
      }),
    language: z.enum(LEXICAL_LANGUAGES).optional().meta({
      description:
        "The language BM25 analyzes the collection's text in: its stop words and stemmer (default english; 'none' splits and lowercases words only, for other languages)",
    }),
  })
  .strict()
  .meta({ id: 'LexicalSettings' });
export type LexicalSettings = z.infer<typeof LexicalSettings>;

/** The lexical settings port: stored per collection, read when BM25 documents are written. */
export interface LexicalSettingsStore {
  get(collection: string): LexicalSettings;
  replace(collection: string, settings: LexicalSettings): LexicalSettings;
  drop(collection: string): void;
}

/** The field weights as BM25 writers read them, per collection (undefined when every field weighs 1). */
export function lexicalWeightsOf(
  settings: Pick<LexicalSettingsStore, 'get'>,
): (collection: string) => Readonly<Record<string, number>> | undefined {
  return (collection) => {
    const w = settings.get(collection).fieldWeights;
    return Object.keys(w).length > 0 ? w : undefined;
  };
}
