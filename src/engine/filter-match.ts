import type { PayloadFieldType } from '../domain/collection.js';
import type { Filter } from '../domain/filter.js';
import { compileFilter } from '../domain/filter-predicate.js';
import type { Payload } from '../domain/item.js';

/** Whether a payload passes a request's filter. */
export type PayloadTest = (payload: Payload) => boolean;

/**
 * The filter as a test on payloads, with exactly the meaning the stores give it (each field typed by the
 * collection's payload indexes: a `text` match is a case-insensitive substring, a datetime stored as an ISO string
 * is compared as a time), for lists that cannot push the filter down (BM25 rounds, the popular shelf, curated
 * items, facet selections). Refuses what the stores refuse (a field outside payloadIndexes, a mistyped literal).
 */
export function payloadTest(
  filter: Filter | undefined,
  indexes: Readonly<Record<string, PayloadFieldType>>,
): PayloadTest {
  return filter ? compileFilter(filter, indexes) : () => true;
}
