import type { Filter } from '../domain/filter.js';
import { itemBatches } from '../stores/item-batches.js';
import type { VectorStore } from '../stores/vector-store.js';
import { checkFacets, FacetCounter, type Facets } from './facets.js';

export interface CollectionFacets {
  facets: Facets;
  /** Items counted: those matching the filter. */
  scanned: number;
}

/**
 * Value counts over a whole collection, or the part a filter selects (a catalogue's "Footwear (412)"), as opposed to
 * a search's facets over its candidates. Reads every matching payload once (no vectors; see itemBatches), the filter
 * pushed down; stops between batches once `signal` is aborted.
 */
export async function collectionFacets(
  store: Pick<VectorStore, 'scroll' | 'scan'>,
  collection: string,
  fields: readonly string[],
  opts: { filter?: Filter; size?: number; signal?: AbortSignal; pageSize?: number } = {},
): Promise<CollectionFacets> {
  checkFacets(fields, opts.size);
  const counter = new FacetCounter(fields);
  let scanned = 0;
  for await (const batch of itemBatches(store, collection, opts)) {
    for (const item of batch) counter.add(item.payload);
    scanned += batch.length;
  }
  return { facets: counter.top(opts.size), scanned };
}
