import type { RankedHit } from '../domain/candidate.js';
import type { PayloadFieldType } from '../domain/collection.js';
import type { CurationMatch } from '../domain/curations.js';
import type { Filter } from '../domain/filter.js';
import type { VectorStore } from '../stores/vector-store.js';
import { payloadTest } from './filter-match.js';
import type { TextRequirement } from './text-requirement.js';

/** The rule a query matched, as the response reports it. */
export interface AppliedCuration {
  /** 0-based place of the rule in the collection's list. */
  rule: number;
  query: string;
  match: 'exact' | 'contains';
  /** The promoted items placed first, in order (those missing or failing the query's filter are left out). */
  promoted: string[];
  /** 1-based position of the first promoted item, when the rule sets one (else the top). */
  position?: number;
}

export interface CurationArgs {
  collection: string;
  match: CurationMatch;
  filter?: Filter;
  /** The collection's payload indexes: how the filter reads each field of a promoted item. */
  payloadIndexes: Readonly<Record<string, PayloadFieldType>>;
  accept?: TextRequirement;
  /** Ids the request keeps out (the rule's hidden items, seen items): never promoted either. */
  exclude?: ReadonlySet<string>;
  rankerVersion: string;
  signal?: AbortSignal;
}

/**
 * Puts the rule's promoted items first (or from its `position` on), in its order, into the ranked list (which loses them where it held
 * them). A promoted item the ranking found keeps its score and explanation; one it did not is read from the store
 * (one batch) and shown with no sources, if it passes what the query asked of every hit: its filter, its phrases
 * and exclusions. Hidden items never reach the ranking (the retrieval excludes them).
 */
export async function curate(
  store: Pick<VectorStore, 'get'>,
  ranked: readonly RankedHit[],
  a: CurationArgs,
  notes: string[],
): Promise<{ hits: RankedHit[]; applied: AppliedCuration }> {
  const { rule } = a.match;
  const wanted = rule.promote.filter((id) => !a.exclude?.has(id));
  const byId = new Map<string, RankedHit>();
  const want = new Set(wanted);
  for (const h of ranked) if (want.has(h.id)) byId.set(h.id, h);
  const unranked = wanted.filter((id) => !byId.has(id));
  const problems: string[] = [];
  if (unranked.length > 0) {
    const passes = payloadTest(a.filter, a.payloadIndexes);
    const items = await store.get(a.collection, unranked, { signal: a.signal });
    const found = new Map(items.map((i) => [i.id, i]));
    for (const id of unranked) {
      const item = found.get(id);
      if (!item) problems.push(`"${id}" is not in the collection`);
      else if (!passes(item.payload) || (a.accept && !a.accept(item.payload)))
        problems.push(`"${id}" does not pass this query's filter or operators`);
      else
        byId.set(id, {
          id,
          score: 0,
          payload: item.payload,
          explanation: { scores: {}, shares: {}, used: [], ranker: a.rankerVersion },
        });
    }
  }
  const promoted = wanted.filter((id) => byId.has(id));
  const placed = new Set(promoted);
  if (problems.length > 0)
    notes.push(`curation "${rule.query}": not promoted ${problems.join('; ')}`);
  const rest = ranked.filter((h) => !placed.has(h.id));
  // The ranking keeps the places above the rule's position (all of them when it has fewer hits).
  const at = Math.min((rule.position ?? 1) - 1, rest.length);
  return {
    hits: [...rest.slice(0, at), ...promoted.map((id) => byId.get(id)!), ...rest.slice(at)],
    applied: {
      rule: a.match.index,
      query: rule.query,
      match: rule.match,
      promoted,
      ...(rule.position !== undefined ? { position: rule.position } : {}),
    },
  };
}
