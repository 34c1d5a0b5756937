import type { SynonymExpansion, SynonymSet, Synonyms } from '../domain/synonyms.js';
import type { LexicalLanguage } from '../domain/lexical-languages.js';
import { analyzerFor } from '../lexical/analyzer.js';
import { normaliseSynonyms, SynonymMatcher } from '../lexical/synonyms.js';
import type { KvRepo } from '../storage/index.js';

export const SYNONYMS_NS = 'synonyms';

const NONE: SynonymExpansion = { terms: [], asTyped: [], added: [] };

/** A stored value: the set, or a bare list of groups. */
function setOf(value: unknown): SynonymSet {
  if (Array.isArray(value)) return { groups: value as SynonymSet['groups'], rules: [] };
  const v = (value ?? {}) as Partial<SynonymSet>;
  return { groups: v.groups ?? [], rules: v.rules ?? [] };
}

/**
 * Synonyms kept in chorus.db's kv table, one JSON value per collection. Each search reads the stored text (one
 * indexed read, as the collection's preset is) and recompiles only when it changed, so a change made by another
 * process (the CLI, a second server) applies at the next query.
 */
export class KvSynonyms implements Synonyms {
  private readonly compiled = new Map<
    string,
    { text: string; language: LexicalLanguage; matcher: SynonymMatcher }
  >();

  /** `languageOf`: the language the collection's BM25 analyzes text in (synonyms are analyzed alike). */
  constructor(
    private readonly kv: KvRepo,
    private readonly languageOf: (collection: string) => LexicalLanguage = () => 'english',
  ) {}

  get(collection: string): SynonymSet {
    return setOf(this.kv.get(SYNONYMS_NS, collection));
  }

  replace(collection: string, set: SynonymSet): SynonymSet {
    const kept = normaliseSynonyms(set);
    // Refuses an expression with no searchable word (in the collection's language) before anything is stored.
    new SynonymMatcher(kept, analyzerFor(this.languageOf(collection)));
    if (kept.groups.length + kept.rules.length === 0) this.drop(collection);
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
    const language = this.languageOf(collection);
    let entry = this.compiled.get(collection);
    if (entry?.text !== text || entry.language !== language) {
      const matcher = new SynonymMatcher(setOf(JSON.parse(text)), analyzerFor(language));
      entry = { text, language, matcher };
      this.compiled.set(collection, entry);
    }
    return entry.matcher.expand(query);
  }
}
