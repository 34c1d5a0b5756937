import type { Payload } from '../../domain/item.js';

/**
 * A bounded LRU of payloads as their stored JSON (compact, and each reader gets its own parsed copy), filled by
 * writes and reads, so a search's hits rarely need a table read. Writers keep it exact: upsert sets, delete drops.
 */
export class PayloadCache {
  private readonly map = new Map<string, string>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  get(id: string): Payload | undefined {
    const json = this.map.get(id);
    if (json === undefined) return undefined;
    this.map.delete(id);
    this.map.set(id, json);
    return JSON.parse(json) as Payload;
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

  /** The payload without touching recency (sampling for selectivity estimates). */
  peek(id: string): Payload | undefined {
    const json = this.map.get(id);
    return json === undefined ? undefined : (JSON.parse(json) as Payload);
  }
}
