import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  countSuggestions,
  suggestionPrefix,
  SuggestionIndex,
  type LoggedSearch,
  type QuerySuggestion,
  type QuerySuggestions,
} from '../domain/query-suggestions.js';
import type { EventsRepo, LoggedSearchRow } from '../storage/index.js';

const DAY_MS = 86_400_000;
/** Events read per page: each page is one statement read to the end, then the event loop runs. */
const PAGE = 2000;

export interface LoggedSuggestionsOptions {
  /** Distinct users a query needs before it is offered. */
  minUsers: number;
  /** Searches of the last this many days count. */
  days: number;
  /** A collection's suggestions are recounted when older than this (served from the old count meanwhile). */
  refreshMs: number;
  /** The newest this many impressions of the window count (bounds a recount). */
  maxEvents: number;
  now?: () => number;
}

interface Entry {
  index: SuggestionIndex;
  builtAt: number;
  rebuilding?: Promise<SuggestionIndex>;
}

/**
 * Query suggestions counted from the engine's own impression log (`origin: server`: what searches served, never
 * impressions a client posted, which anyone with a write key could fill with text). Counted per collection on first
 * use and recounted in the background once stale, page by page so searches keep running; each process counts its
 * own (the log is shared, so they agree within a refresh).
 */
export class LoggedQuerySuggestions implements QuerySuggestions {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly events: Pick<EventsRepo, 'loggedSearches'>,
    private readonly o: LoggedSuggestionsOptions,
  ) {}

  async suggest(
    collection: string,
    typed: string,
    limit: number,
    skip?: (query: string) => boolean,
  ): Promise<QuerySuggestion[]> {
    return (await this.indexOf(collection)).lookup(suggestionPrefix(typed), limit, skip);
  }

  /** Forgets a collection's count (dropped collection). */
  forget(collection: string): void {
    this.entries.delete(collection);
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private async indexOf(collection: string): Promise<SuggestionIndex> {
    const entry = this.entries.get(collection);
    // refreshMs 0: every request counts afresh (small logs, tests).
    if (!entry || this.o.refreshMs === 0) {
      const index = await this.count(collection);
      // A concurrent first count may have landed first: either is as new.
      this.entries.set(collection, { index, builtAt: this.now() });
      return index;
    }
    if (this.now() - entry.builtAt >= this.o.refreshMs && !entry.rebuilding) {
      entry.rebuilding = this.count(collection);
      entry.rebuilding.then(
        (index) => this.entries.set(collection, { index, builtAt: this.now() }),
        // A failed recount keeps the old suggestions; the next request tries again.
        () => (entry.rebuilding = undefined),
      );
    }
    return entry.index;
  }

  private async count(collection: string): Promise<SuggestionIndex> {
    const searches: LoggedSearch[] = [];
    const from = this.now() - this.o.days * DAY_MS;
    let after: LoggedSearchRow | undefined;
    let read = 0;
    while (read < this.o.maxEvents) {
      const page = this.events.loggedSearches({
        collection,
        from,
        after,
        limit: Math.min(PAGE, this.o.maxEvents - read),
      });
      for (const row of page)
        // A later page of a search is its own request: counted once, by its first page.
        if (row.query !== null && row.first === 0)
          searches.push({
            query: row.query,
            userId: row.userId ?? undefined,
            found: row.shown > 0,
          });
      read += page.length;
      if (page.length < PAGE || read >= this.o.maxEvents) break;
      after = page[page.length - 1];
      await yieldToLoop();
    }
    return new SuggestionIndex(countSuggestions(searches, this.o.minUsers));
  }
}
