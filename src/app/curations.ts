import {
  CurationMatcher,
  CurationSet,
  type CurationMatch,
  type Curations,
} from '../domain/curations.js';
import type { KvRepo } from '../storage/index.js';

export const CURATIONS_NS = 'curations';

interface Compiled {
  text: string;
  matcher: CurationMatcher;
}

/**
 * Curations kept in chorus.db's kv table, one JSON value per collection. Each text search reads the stored text
 * (one indexed read, as synonyms do) and re-reads the rules only when it changed, so a change made by another
 * process (the CLI, a second server) applies at the next query.
 */
export class KvCurations implements Curations {
  private readonly compiled = new Map<string, Compiled>();

  constructor(private readonly kv: KvRepo) {}

  get(collection: string): CurationSet {
    const text = this.kv.getText(CURATIONS_NS, collection);
    return text === undefined ? { rules: [] } : CurationSet.parse(JSON.parse(text));
  }

  replace(collection: string, set: CurationSet): CurationSet {
    const kept = CurationSet.parse(set);
    if (kept.rules.length === 0) this.drop(collection);
    else this.kv.set(CURATIONS_NS, collection, kept);
    return kept;
  }

  drop(collection: string): void {
    this.kv.delete(CURATIONS_NS, collection);
    this.compiled.delete(collection);
  }

  match(collection: string, text: string): CurationMatch | undefined {
    const stored = this.kv.getText(CURATIONS_NS, collection);
    if (stored === undefined) {
      this.compiled.delete(collection);
      return undefined;
    }
    let entry = this.compiled.get(collection);
    if (entry?.text !== stored) {
      const set = CurationSet.parse(JSON.parse(stored));
      entry = { text: stored, matcher: new CurationMatcher(set.rules) };
      this.compiled.set(collection, entry);
    }
    return entry.matcher.match(text);
  }
}
