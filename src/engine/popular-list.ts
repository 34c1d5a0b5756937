import type { PayloadFieldType } from '../domain/collection.js';
import type { EngagementOrder } from '../domain/feedback-port.js';
import type { Filter } from '../domain/filter.js';
import type { Payload } from '../domain/item.js';
import type { EngineDeps } from './engine-deps.js';
import { payloadTest } from './filter-match.js';

/** How many of the most engaged items to read per one wanted, for what the filter and exclusions drop. */
const OVERREAD = 4;

/**
 * The cold start's list: the items with the most engagement in the collection (clicks, likes, purchases... as
 * counted by the feedback state), most first, that still exist, pass the filter and are not excluded; at most `k`.
 * Scores are the engagement counts (decayed by age for the trending order).
 */
export async function popularList(
  deps: Pick<EngineDeps, 'state' | 'store'>,
  collection: string,
  o: {
    k: number;
    filter?: Filter;
    /** The collection's payload indexes: how the filter reads each field. */
    payloadIndexes: Readonly<Record<string, PayloadFieldType>>;
    exclude?: ReadonlySet<string>;
    signal?: AbortSignal;
    /** All-time engagement (default) or trending (decayed by age). */
    order?: EngagementOrder;
  },
): Promise<{ id: string; score: number; payload: Payload }[]> {
  const top = deps.state
    .mostEngaged(collection, o.k * OVERREAD + (o.exclude?.size ?? 0), o.order)
    .filter((t) => !o.exclude?.has(t.id));
  if (top.length === 0) return [];
  const items = await deps.store.get(
    collection,
    top.map((t) => t.id),
    { signal: o.signal },
  );
  const payloads = new Map(items.map((i) => [i.id, i.payload]));
  const passes = payloadTest(o.filter, o.payloadIndexes);
  const out: { id: string; score: number; payload: Payload }[] = [];
  for (const t of top) {
    const payload = payloads.get(t.id);
    if (payload === undefined || !passes(payload)) continue;
    out.push({ id: t.id, score: t.engagement, payload });
    if (out.length === o.k) break;
  }
  return out;
}
