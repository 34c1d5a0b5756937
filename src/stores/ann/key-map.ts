import type { Payload } from '../../domain/item.js';

/**
 * Item ids <-> the 64-bit integer keys usearch stores. Every write of an id takes a fresh key, so an updated item's
 * old vectors stay in a graph (a saved, memory-mapped one cannot remove them) until the graph drops them; search
 * treats a key as live only while its id still points at it. One map is shared by all of a collection's vectors.
 */
export class KeyMap {
  private readonly byId = new Map<string, number>();
  /** key -> id; an entry may be dead (its id moved to a newer key or was deleted). */
  private ids: (string | undefined)[] = [];
  /**
   * key -> the parsed payload searches attached to it. A key is one written version of its item (every write takes
   * a fresh key), so the payload never changes while the key lives; it is forgotten when the key dies. Saves a
   * search the id-keyed cache lookup per hit (hundreds per request, ~2 us each in a 100k-entry Map under load).
   */
  private payloads: (Payload | undefined)[] = [];
  /** Keys handed out when the saved base key file was written (see `delta`). */
  private baseLength = 0;
  /** Keys below baseLength that died since the base was written. */
  private diedSinceBase: number[] = [];

  get size(): number {
    return this.byId.size;
  }

  /** Keys ever handed out (live and dead): the upper bound for sampling. */
  get capacity(): number {
    return this.ids.length;
  }

  /** A fresh key for `id`; returns the key it replaces, if any. */
  assign(id: string): { key: number; previous?: number } {
    const previous = this.byId.get(id);
    const key = this.ids.length;
    this.ids.push(id);
    this.byId.set(id, key);
    if (previous !== undefined) this.kill(previous);
    return previous === undefined ? { key } : { key, previous };
  }

  /** Forgets `id`; returns the key it had. */
  remove(id: string): number | undefined {
    const key = this.byId.get(id);
    if (key === undefined) return undefined;
    this.byId.delete(id);
    this.kill(key);
    return key;
  }

  private kill(key: number): void {
    this.ids[key] = undefined;
    this.payloads[key] = undefined;
    if (key < this.baseLength) this.diedSinceBase.push(key);
  }

  keyOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  /** The id a key stands for, or undefined when the key is dead. */
  idOf(key: number): string | undefined {
    return this.ids[key];
  }

  /** The payload remembered for a live key (see `payloads`). */
  payloadOf(key: number): Payload | undefined {
    return this.payloads[key];
  }

  /** Remembers the payload of `key`'s version of its item; ignored for a dead key. */
  rememberPayload(key: number, payload: Payload): void {
    if (this.ids[key] !== undefined) this.payloads[key] = payload;
  }

  isLive(key: number): boolean {
    return this.ids[key] !== undefined;
  }

  /** Compact form for the saved manifest: key -> id, null where dead. */
  toJSON(): (string | null)[] {
    return this.ids.map((id) => id ?? null);
  }

  /** The saved form was just written in full: later saves may write only what changed since (see `delta`). */
  markBase(): void {
    this.baseLength = this.ids.length;
    this.diedSinceBase = [];
  }

  /** Entries a delta against the base would carry (keys handed out since, plus base keys that died since). */
  get changesSinceBase(): number {
    return this.ids.length - this.baseLength + this.diedSinceBase.length;
  }

  /**
   * What changed since `markBase`: the keys handed out since (null where already dead) and the base keys that died.
   * Saving this instead of the whole map keeps an idle save's cost proportional to the writes, not the collection
   * (1M ids as JSON: ~0.3 s of stringify and write on the event loop).
   */
  delta(): KeyMapDelta {
    return {
      baseLength: this.baseLength,
      appended: this.ids.slice(this.baseLength).map((id) => id ?? null),
      died: [...this.diedSinceBase],
    };
  }

  /** `raw` is the saved base (toJSON); `delta`, when given, what changed since it was written. */
  static fromJSON(raw: unknown, delta?: unknown): KeyMap {
    if (!Array.isArray(raw)) throw new Error('key map is not an array');
    const map = new KeyMap();
    map.ids = raw.map((id) => (typeof id === 'string' ? id : undefined));
    if (delta !== undefined) map.applyDelta(delta);
    map.ids.forEach((id, key) => {
      if (id !== undefined) {
        // A duplicate id in a damaged file: the later key wins, the earlier is dead.
        const prev = map.byId.get(id);
        if (prev !== undefined) map.ids[prev] = undefined;
        map.byId.set(id, key);
      }
    });
    return map;
  }

  /** Applies a saved delta to a freshly read base, keeping that base as the one later deltas are taken against. */
  private applyDelta(raw: unknown): void {
    const d = raw as Partial<KeyMapDelta> | null;
    if (
      typeof d !== 'object' ||
      d === null ||
      d.baseLength !== this.ids.length ||
      !Array.isArray(d.appended) ||
      !Array.isArray(d.died)
    )
      throw new Error('key map delta does not fit its base');
    this.baseLength = d.baseLength;
    for (const key of d.died) {
      if (!Number.isInteger(key) || key < 0 || key >= d.baseLength)
        throw new Error('key map delta names a key outside its base');
      this.ids[key] = undefined;
    }
    this.diedSinceBase = [...(d.died as number[])];
    for (const id of d.appended) this.ids.push(typeof id === 'string' ? id : undefined);
  }
}

/** The saved form of what changed in a KeyMap since its base file was written. */
export interface KeyMapDelta {
  baseLength: number;
  appended: (string | null)[];
  died: number[];
}
