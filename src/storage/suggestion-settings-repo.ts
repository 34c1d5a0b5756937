import { SuggestionSettings, type SuggestionSettingsStore } from '../domain/query-suggestions.js';
import type { KvRepo } from './kv-repo.js';

export const SUGGESTIONS_NS = 'suggestion-settings';

/** Suggestion settings in chorus.db's kv table, one JSON value per collection (read at each suggestion lookup). */
export class KvSuggestionSettings implements SuggestionSettingsStore {
  constructor(private readonly kv: KvRepo) {}

  get(collection: string): SuggestionSettings {
    const text = this.kv.getText(SUGGESTIONS_NS, collection);
    return text === undefined ? { exclude: [] } : SuggestionSettings.parse(JSON.parse(text));
  }

  replace(collection: string, settings: SuggestionSettings): SuggestionSettings {
    const kept = SuggestionSettings.parse(settings);
    const exclude = [...new Set(kept.exclude)];
    if (exclude.length === 0) this.kv.delete(SUGGESTIONS_NS, collection);
    else this.kv.set(SUGGESTIONS_NS, collection, { exclude });
    return { exclude };
  }

  drop(collection: string): void {
    this.kv.delete(SUGGESTIONS_NS, collection);
  }
}
