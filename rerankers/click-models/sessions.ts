import type { Clickthrough } from '../../src/domain/clickthrough.js';
import type { ClickSession } from './types.js';

/** Click-model view of clickthroughs (relevance keyed by query id + item id). */
export function toClickSessions(cts: readonly Clickthrough[]): ClickSession[] {
  return cts.map((c) => ({
    swapped: c.swapped,
    items: c.items.map((i) => ({
      position: i.position,
      clicked: i.clicked,
      key: `${c.queryId}\u0000${i.id}`,
      features: i.features,
    })),
  }));
}
