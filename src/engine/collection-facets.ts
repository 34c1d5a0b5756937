import type { Filter } from '../domain/filter.js';
import type { VectorStore } from '../stores/vector-store.js';
import { checkFacets, FacetCounter, type Facets } from './facets.js';

/** Payloads read per store page while counting (no vectors are read). */
const PAGE = 1000;

export interface CollectionFacets {
  facets: Facets;
  /** Items counted: those matching the filter. */
  scanned: number;
}

/**
 * Value counts over a whole collection, or the part a filter selects (a catalogue's "Footwear (412)"), as opposed to
 * a search's facets over its candidates. Reads payloads page by page in id order through the store's scroll, with
 * the filter pushed down; stops between pages once `signal` is aborted.
 */
export async function collectionFacets(
  store: Pick<VectorStore, 'scroll'>,
  collection: string,
  fields: readonly string[],
  opts: { filter?: Filter; size?: number; signal?: AbortSignal; pageSize?: number } = {},
): Promise<CollectionFacets> {
  checkFacets(fields, opts.size);
  const counter = new FacetCounter(fields);
  let scanned = 0;
  let cursor: string | undefined;
  do {
    opts.signal?.throwIfAborted();
    const page = await store.scroll(collection, {
      limit: opts.pageSize ?? PAGE,
      cursor,
      filter: opts.filter,
    });
    for (const item of page.items) counter.add(item.payload);
    scanned += page.items.length;
    cursor = page.next;
  } while (cursor);
  return { facets: counter.top(opts.size), scanned };
}
