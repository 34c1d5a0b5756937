import { randomUUID } from 'node:crypto';
import {
  CurationMatcher,
  CurationSet,
  type CurationMatch,
  type Curations,
} from '../domain/curations.js';
import type { KvRepo } from '../storage/index.js';

export const CURATIONS_NS = 'curations';
/** A token per stored rule set, replaced with it: a search reads this short row, not the rules, to see a change. */
export const CURATIONS_VERSION_NS = 'curations-version';

interface Compiled {
  version: string;
  matcher: CurationMatcher;
}

/**
 * Curations kept in chorus.db's kv table, one JSON value per collection with a version token written in the same
 * transaction. Each text search reads the token (one indexed read of a short row) and re-reads and compiles the
 * rules only when it changed, so a change made by another process (the CLI, a second server) applies at the next
 * query.
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
    else
      this.kv.transaction(() => {
        this.kv.set(CURATIONS_NS, collection, kept);
        this.kv.set(CURATIONS_VERSION_NS, collection, randomUUID());
      });
    return kept;
  }

  drop(collection: string): void {
    this.kv.transaction(() => {
      this.kv.delete(CURATIONS_NS, collection);
      this.kv.delete(CURATIONS_VERSION_NS, collection);
    });
    this.compiled.delete(collection);
  }

  match(collection: string, text: string): CurationMatch | undefined {
    const version = this.kv.getText(CURATIONS_VERSION_NS, collection);
    if (version === undefined) {
      this.compiled.delete(collection);
      return undefined;
    }
    let entry = this.compiled.get(collection);
    if (entry?.version !== version) {
      // Rules and token are written in one transaction; read after the token, the rules are at least as new.
      entry = { version, matcher: new CurationMatcher(this.get(collection).rules) };
      this.compiled.set(collection, entry);
    }
    return entry.matcher.match(text);
  }
}
