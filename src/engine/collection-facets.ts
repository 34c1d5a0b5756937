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
 * a search's facets over its candidates. Reads the payloads in one pass where the store offers it (scan),
 * else page by page through its scroll (`pageSize` forces that), with the filter pushed down either way; stops
 * between batches once `signal` is aborted.
 */
export async function collectionFacets(
  store: Pick<VectorStore, 'scroll' | 'scan'>,
  collection: string,
  fields: readonly string[],
  opts: { filter?: Filter; size?: number; signal?: AbortSignal; pageSize?: number } = {},
): Promise<CollectionFacets> {
  checkFacets(fields, opts.size);
  opts.signal?.throwIfAborted();
  const counter = new FacetCounter(fields);
  let scanned = 0;
  if (store.scan && opts.pageSize === undefined) {
    for await (const batch of store.scan(collection, {
      filter: opts.filter,
      signal: opts.signal,
    })) {
      for (const item of batch) counter.add(item.payload);
      scanned += batch.length;
    }
    return { facets: counter.top(opts.size), scanned };
  }
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
