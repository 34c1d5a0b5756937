import type { Clickthrough } from '../src/domain/clickthrough.js';

/**
 * A value computed once per distinct logged list, where "the same list" means the same row objects: impressions
 * whose packed rows were bit-identical share their row objects (src/feedback/shared-rows.ts), so a head query
 * served 500 times is scored once, not 500 times. Lists that share nothing (rows from JSON logs) simply miss. A hit
 * requires every item's row and the query row to be the very objects of the list the value was computed for.
 */
export class ListMemo<T> {
  private readonly byFirstRow = new Map<Float32Array, { ct: Clickthrough; value: T }[]>();

  get(ct: Clickthrough, make: (ct: Clickthrough) => T): T {
    const first = ct.items[0]?.features;
    if (!first) return make(ct);
    const bucket = this.byFirstRow.get(first);
    if (bucket) for (const e of bucket) if (sameRows(e.ct, ct)) return e.value;
    const value = make(ct);
    if (bucket) bucket.push({ ct, value });
    else this.byFirstRow.set(first, [{ ct, value }]);
    return value;
  }
}

function sameRows(a: Clickthrough, b: Clickthrough): boolean {
  if (a.items.length !== b.items.length || a.queryFeatures !== b.queryFeatures) return false;
  for (let i = 0; i < a.items.length; i++)
    if (a.items[i]!.features !== b.items[i]!.features) return false;
  return true;
}
