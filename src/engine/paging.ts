import { ChorusError } from '../errors.js';

/**
 * Deepest first hit a page may start at. Pages come from one query's candidate union (search.candidatesPerModality
 * per list), so paging deeper than a few hundred reads past what stage 1 retrieved anyway.
 */
export const MAX_OFFSET = 1000;

/** Refuses an offset the API would refuse (the embedded library calls the engine without the API's schema). */
export function checkOffset(offset: number | undefined): void {
  if (offset === undefined) return;
  if (!(Number.isInteger(offset) && offset >= 0 && offset <= MAX_OFFSET))
    throw new ChorusError(
      'VALIDATION',
      `offset must be an integer from 0 to ${MAX_OFFSET}, got ${String(offset)}`,
    );
}
