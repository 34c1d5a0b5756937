import {
  LexicalSettings,
  lexicalWeightsOf,
  type LexicalSettingsStore,
} from '../domain/lexical-settings.js';
import { DEFAULT_LEXICAL_LANGUAGE } from '../domain/lexical-languages.js';
import type { KvRepo } from './kv-repo.js';

export const LEXICAL_NS = 'lexical';

/** Lexical settings in chorus.db's kv table, one JSON value per collection (read for every BM25 write batch). */
export class KvLexicalSettings implements LexicalSettingsStore {
  constructor(private readonly kv: KvRepo) {}

  get(collection: string): LexicalSettings {
    const text = this.kv.getText(LEXICAL_NS, collection);
    const stored = text === undefined ? undefined : LexicalSettings.parse(JSON.parse(text));
    return {
      fieldWeights: stored?.fieldWeights ?? {},
      language: stored?.language ?? DEFAULT_LEXICAL_LANGUAGE,
    };
  }

  replace(collection: string, settings: LexicalSettings): LexicalSettings {
    const kept = LexicalSettings.parse(settings);
    // Weight 1 and English are the defaults: only the others are kept.
    const fieldWeights = Object.fromEntries(
      Object.entries(kept.fieldWeights).filter(([, w]) => w !== 1),
    );
    const language = kept.language ?? DEFAULT_LEXICAL_LANGUAGE;
    const own = language === DEFAULT_LEXICAL_LANGUAGE ? {} : { language };
    if (Object.keys(fieldWeights).length === 0 && !own.language)
      this.kv.delete(LEXICAL_NS, collection);
    else this.kv.set(LEXICAL_NS, collection, { fieldWeights, ...own });
    return { fieldWeights, language };
  }

  drop(collection: string): void {
    this.kv.delete(LEXICAL_NS, collection);
  }
}

/** The field weights as BM25 writers read them from chorus.db (for processes without an engine: jobs, CLI). */
export function kvLexicalWeights(
  kv: KvRepo,
): (collection: string) => Readonly<Record<string, number>> | undefined {
  return lexicalWeightsOf(new KvLexicalSettings(kv));
}
