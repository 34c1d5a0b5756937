import type { FacetFilters } from '../domain/facet-filters.js';
import type { Filter } from '../domain/filter.js';
import type { Payload } from '../domain/item.js';
import { itemBatches } from '../stores/item-batches.js';
import type { VectorStore } from '../stores/vector-store.js';
import { checkFacetFilters, checkFacets, FacetCounter, type Facets } from './facets.js';

export interface CollectionFacets {
  facets: Facets;
  /** Items read: those matching the filter. */
  scanned: number;
  /** With `facetFilters`: the items that also have a selected value of every selected field (the result count). */
  matched?: number;
}

/**
 * Value counts over a whole collection, or the part a filter selects (a catalogue's "Footwear (412)"), as opposed to
 * a search's facets over its candidates. Reads every matching payload once (no vectors; see itemBatches), the filter
 * pushed down; stops between batches once `signal` is aborted. With `facetFilters` the same single pass counts
 * disjunctively: an item missing one selected field's values still counts for that field's own facet (the values a
 * user could switch to), an item missing two counts for none.
 */
export async function collectionFacets(
  store: Pick<VectorStore, 'scroll' | 'scan'>,
  collection: string,
  fields: readonly string[],
  opts: {
    filter?: Filter;
    facetFilters?: FacetFilters;
    size?: number;
    signal?: AbortSignal;
    pageSize?: number;
  } = {},
): Promise<CollectionFacets> {
  checkFacets(fields, opts.size);
  checkFacetFilters(opts.facetFilters);
  const selections = Object.entries(opts.facetFilters ?? {}).map(
    ([key, values]): [string, (payload: Payload) => boolean] => [key, holdsAny(key, values)],
  );
  // A selected field counts apart from the rest: over the items every other selection passes.
  const own = new Map(
    selections.filter(([f]) => fields.includes(f)).map(([f]) => [f, new FacetCounter([f])]),
  );
  const shared = new FacetCounter(fields.filter((f) => !own.has(f)));
  const failedField = (payload: Payload): string | null | undefined => {
    let failed: string | undefined;
    for (const [field, passes] of selections) {
      if (passes(payload)) continue;
      if (failed !== undefined) return null;
      failed = field;
    }
    return failed;
  };
  let scanned = 0;
  let matched = 0;
  for await (const batch of itemBatches(store, collection, opts)) {
    for (const item of batch) {
      const failed = failedField(item.payload);
      if (failed === undefined) {
        matched++;
        shared.add(item.payload);
        for (const counter of own.values()) counter.add(item.payload);
      } else if (failed !== null) own.get(failed)?.add(item.payload);
    }
    scanned += batch.length;
  }
  const sharedTop = shared.top(opts.size);
  const facets: Facets = {};
  for (const f of new Set(fields)) facets[f] = own.get(f)?.top(opts.size)[f] ?? sharedTop[f]!;
  return { facets, scanned, ...(opts.facetFilters ? { matched } : {}) };
}

/**
 * Whether a payload's `field` holds one of `values` (any element of an array), compared as stored: the values a
 * selection names are the ones the counts showed (facets count any payload field, indexed or not).
 */
function holdsAny(field: string, values: readonly unknown[]): (payload: Payload) => boolean {
  const wanted = new Set(values);
  return (payload) => {
    const v = payload[field];
    return Array.isArray(v) ? v.some((x) => wanted.has(x)) : wanted.has(v);
  };
}
