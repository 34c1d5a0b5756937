import {
  LexicalSettings,
  lexicalWeightsOf,
  type LexicalSettingsStore,
} from '../domain/lexical-settings.js';
import type { KvRepo } from './kv-repo.js';

export const LEXICAL_NS = 'lexical';

/** Lexical settings in chorus.db's kv table, one JSON value per collection (read for every BM25 write batch). */
export class KvLexicalSettings implements LexicalSettingsStore {
  constructor(private readonly kv: KvRepo) {}

  get(collection: string): LexicalSettings {
    const text = this.kv.getText(LEXICAL_NS, collection);
    return text === undefined ? { fieldWeights: {} } : LexicalSettings.parse(JSON.parse(text));
  }

  replace(collection: string, settings: LexicalSettings): LexicalSettings {
    const kept = LexicalSettings.parse(settings);
    // Weight 1 is the default: only the others are kept.
    const fieldWeights = Object.fromEntries(
      Object.entries(kept.fieldWeights).filter(([, w]) => w !== 1),
    );
    if (Object.keys(fieldWeights).length === 0) this.kv.delete(LEXICAL_NS, collection);
    else this.kv.set(LEXICAL_NS, collection, { fieldWeights });
    return { fieldWeights };
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
