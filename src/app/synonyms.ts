import type { SynonymExpansion, SynonymGroups, Synonyms } from '../domain/synonyms.js';
import { normaliseSynonyms, SynonymMatcher } from '../lexical/synonyms.js';
import type { KvRepo } from '../storage/index.js';

export const SYNONYMS_NS = 'synonyms';

const NONE: SynonymExpansion = { terms: [], asTyped: [], added: [] };

/**
 * Synonyms kept in chorus.db's kv table, one JSON value per collection. Each search reads the stored text (one
 * indexed read, as the collection's preset is) and recompiles only when it changed, so a change made by another
 * process (the CLI, a second server) applies at the next query.
 */
export class KvSynonyms implements Synonyms {
  private readonly compiled = new Map<string, { text: string; matcher: SynonymMatcher }>();

  constructor(private readonly kv: KvRepo) {}

  groups(collection: string): SynonymGroups {
    return this.kv.get<SynonymGroups>(SYNONYMS_NS, collection) ?? [];
  }

  replace(collection: string, groups: SynonymGroups): SynonymGroups {
    const kept = normaliseSynonyms(groups);
    new SynonymMatcher(kept); // refuses an expression with no searchable word before anything is stored
    if (kept.length === 0) this.drop(collection);
    else this.kv.set(SYNONYMS_NS, collection, kept);
    return kept;
  }

  drop(collection: string): void {
    this.kv.delete(SYNONYMS_NS, collection);
    this.compiled.delete(collection);
  }

  expand(collection: string, query: string): SynonymExpansion {
    const text = this.kv.getText(SYNONYMS_NS, collection);
    if (text === undefined) {
      this.compiled.delete(collection);
      return NONE;
    }
    let entry = this.compiled.get(collection);
    if (entry?.text !== text) {
      entry = { text, matcher: new SynonymMatcher(JSON.parse(text) as SynonymGroups) };
      this.compiled.set(collection, entry);
    }
    return entry.matcher.expand(query);
  }
}
