import type { Filter } from '../domain/filter.js';
import type { Item } from '../domain/item.js';
import type { VectorStore } from './vector-store.js';

/** Items per scroll page where a store has no one-pass scan. */
const PAGE = 500;

/**
 * Every item of a collection (or what a filter selects) in batches: one unordered pass where the store has `scan`
 * (a scroll page sorts the table by id to find its cursor, so paging reads the table once per page), else its scroll
 * in id order; `pageSize` forces the scroll (tests). Stop early by leaving the loop.
 */
export async function* itemBatches(
  store: Pick<VectorStore, 'scroll' | 'scan'>,
  collection: string,
  opts: { filter?: Filter; withVectors?: boolean; signal?: AbortSignal; pageSize?: number } = {},
): AsyncGenerator<Item[]> {
  opts.signal?.throwIfAborted();
  if (store.scan && opts.pageSize === undefined) {
    yield* store.scan(collection, {
      filter: opts.filter,
      withVectors: opts.withVectors,
      signal: opts.signal,
    });
    return;
  }
  let cursor: string | undefined;
  do {
    opts.signal?.throwIfAborted();
    const page = await store.scroll(collection, {
      limit: opts.pageSize ?? PAGE,
      cursor,
      filter: opts.filter,
      withVectors: opts.withVectors,
    });
    yield page.items;
    cursor = page.next;
  } while (cursor);
}

/** The same items in batches of at most `size` (a store's scan batches are its own size; encoders want theirs). */
export async function* rebatch<T>(batches: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  let pending: T[] = [];
  for await (const batch of batches) {
    for (const item of batch) {
      pending.push(item);
      if (pending.length === size) {
        yield pending;
        pending = [];
      }
    }
  }
  if (pending.length > 0) yield pending;
}
