import type { Payload } from '../../domain/item.js';

/**
 * A bounded LRU of payloads, filled by writes and reads, so a search's hits rarely need a table read. Writers keep
 * it exact: upsert sets, delete drops. An entry is kept as its stored JSON until first read, then as the parsed
 * object, deep-frozen and shared by every reader: a search returns hundreds of candidates, and parsing each one's
 * JSON per request was a measurable share of serving time. A reader that needs to change a payload copies it.
 */
export class PayloadCache {
  private readonly map = new Map<string, string | Payload>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  get(id: string): Payload | undefined {
    const entry = this.map.get(id);
    if (entry === undefined) return undefined;
    if (typeof entry !== 'string') {
      // Recency matters only once something can be evicted: below 3/4 of capacity, a hit costs one lookup (a
      // delete + re-insert per hit, hundreds per search, churned a big Map for nothing).
      if (this.map.size >= this.capacity * 0.75) {
        this.map.delete(id);
        this.map.set(id, entry);
      }
      return entry;
    }
    const payload = deepFreeze(JSON.parse(entry) as Payload);
    this.map.set(id, payload); // same position: Map.set on an existing key keeps its order
    if (this.map.size >= this.capacity * 0.75) {
      this.map.delete(id);
      this.map.set(id, payload);
    }
    return payload;
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  set(id: string, json: string): void {
    if (this.capacity <= 0) return;
    this.map.delete(id);
    this.map.set(id, json);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }

  delete(id: string): void {
    this.map.delete(id);
  }

  clear(): void {
    this.map.clear();
  }

  /**
   * The payload without touching recency, parsing a stored JSON only while `budget.parses` lasts (then undefined,
   * as if it were not cached): a scan over every payload spreads the first parse of a freshly filled cache over
   * several calls instead of blocking one.
   */
  peekWithin(id: string, budget: { parses: number }): Payload | undefined {
    const entry = this.map.get(id);
    if (entry === undefined || typeof entry !== 'string') return entry;
    if (budget.parses <= 0) return undefined;
    budget.parses--;
    return this.peek(id);
  }

  /** The payload without touching recency (sampling for selectivity estimates). */
  peek(id: string): Payload | undefined {
    const entry = this.map.get(id);
    if (entry === undefined || typeof entry !== 'string') return entry;
    const payload = deepFreeze(JSON.parse(entry) as Payload);
    this.map.set(id, payload); // same position: Map.set on an existing key keeps its order
    return payload;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
