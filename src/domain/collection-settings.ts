import { z } from 'zod';
import { CurationSet } from './curations.js';
import { LexicalSettings } from './lexical-settings.js';
import { CollectionRanking, type StoredRanking } from './ranking-defaults.js';
import { SuggestionSettings } from './query-suggestions.js';
import { SynonymSet } from './synonyms.js';

/**
 * A collection's relevance settings in one document, to copy tuning from one collection or deployment to another
 * (staging to production, a rebuilt collection). On a write each part given replaces that part; a part left out is
 * kept as it is. `ranking` carries its preset's settings, so the preset is made where it is missing.
 */
export const CollectionSettings = z
  .object({
    synonyms: SynonymSet.optional(),
    curations: CurationSet.optional(),
    lexical: LexicalSettings.optional(),
    suggestions: SuggestionSettings.optional(),
    ranking: CollectionRanking.optional(),
  })
  .strict()
  .meta({ id: 'CollectionSettings' });
export type CollectionSettings = z.infer<typeof CollectionSettings>;

/** Every part, as stored. */
export type StoredCollectionSettings = Required<Omit<CollectionSettings, 'ranking'>> & {
  ranking: StoredRanking;
};
