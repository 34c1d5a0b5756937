import { asGeoPoint, geoCell } from '../../domain/geo.js';
import type { Payload } from '../../domain/item.js';
import type { RequiredTerm } from '../../domain/filter-predicate.js';
import type { KeyMap } from './key-map.js';

/** Fields one collection keeps postings for (each costs about one array slot per live item). */
const MAX_FIELDS = 16;
/** A field's postings are rebuilt once more than this share of their entries point at dead keys. */
const MAX_DEAD_SHARE = 0.5;

/**
 * value -> the keys whose payload holds it, for one keyword, bool or geo (grid cell) field, over the keys below `upTo`. A key is one
 * written version of its item (KeyMap): its payload never changes while it lives, so an entry never goes stale,
 * it only dies with its key; dead entries are skipped when read and the field is rebuilt once they dominate.
 */
interface FieldPostings {
  byValue: Map<string, number[]>;
  /** Keys below this were indexed (every live one among them whose payload holds a value). */
  upTo: number;
  entries: number;
}

/**
 * In-memory inverted index from payload values to keys for the exact filter plan: a selective keyword, bool or
 * geo filter then costs its matches instead of a test of every payload in the collection. Built on the first scan that
 * needs a field (that scan has every live payload at hand), extended over keys written since on each later use.
 * Only a superset is promised: callers still test each candidate's payload with the whole filter.
 */
export class PayloadPostings {
  private readonly fields = new Map<string, FieldPostings>();

  /** Whether `term`'s field is indexed, so `candidates` can answer after `extend`. */
  has(term: RequiredTerm): boolean {
    return this.fields.has(fieldId(term));
  }

  /** Starts postings for `term`'s field (call `extend` next); false when the collection already keeps MAX_FIELDS. */
  start(term: RequiredTerm): boolean {
    const id = fieldId(term);
    if (this.fields.has(id)) return true;
    if (this.fields.size >= MAX_FIELDS) return false;
    this.fields.set(id, { byValue: new Map(), upTo: 0, entries: 0 });
    return true;
  }

  /**
   * Indexes `term`'s field over the keys written since its last use, reading each live key's payload through
   * `payloadAt`; false (nothing recorded past the first missing one) when some payload is not in memory.
   */
  extend(
    term: RequiredTerm,
    keys: KeyMap,
    payloadAt: (key: number) => Payload | undefined,
  ): boolean {
    const f = this.fields.get(fieldId(term));
    if (!f) return false;
    for (; f.upTo < keys.capacity; f.upTo++) {
      const key = f.upTo;
      if (!keys.isLive(key)) continue;
      const payload = payloadAt(key);
      if (payload === undefined) return false;
      for (const value of termValues(term.kind, payload[term.key])) {
        const list = f.byValue.get(value);
        if (list) list.push(key);
        else f.byValue.set(value, [key]);
        f.entries++;
      }
    }
    return true;
  }

  /** How many entries `term` would read (dead ones included): the cheapest term of a filter is read. */
  size(term: RequiredTerm): number {
    const f = this.fields.get(fieldId(term));
    if (!f) return Infinity;
    let n = 0;
    for (const v of term.values) n += f.byValue.get(v)?.length ?? 0;
    return n;
  }

  /**
   * The live keys, ascending, whose payload holds one of `term`'s values (after `extend`); drops the field's
   * postings when most of what it read was dead, so the next use rebuilds them.
   */
  candidates(term: RequiredTerm, keys: KeyMap): number[] {
    const id = fieldId(term);
    const f = this.fields.get(id);
    if (!f) return [];
    const out: number[] = [];
    let dead = 0;
    for (const v of term.values) {
      for (const key of f.byValue.get(v) ?? []) {
        if (keys.isLive(key)) out.push(key);
        else dead++;
      }
    }
    if (dead > 64 && dead > MAX_DEAD_SHARE * (dead + out.length)) this.fields.delete(id);
    if (term.values.length > 1) {
      out.sort((a, b) => a - b);
      return dedupeSorted(out);
    }
    return out;
  }

  clear(): void {
    this.fields.clear();
  }
}

function fieldId(term: RequiredTerm): string {
  return `${term.kind}:${term.key}`;
}

/**
 * The values a payload field is found under, as the filter's own test reads it (domain/filter-predicate.ts): a keyword is a
 * string or the strings of an array, a bool is true or false, a point its grid cell.
 */
function termValues(kind: RequiredTerm['kind'], v: unknown): readonly string[] {
  if (kind === 'geo') {
    const point = asGeoPoint(v);
    return point ? [geoCell(point)] : [];
  }
  if (kind === 'bool') return typeof v === 'boolean' ? [v ? 'true' : 'false'] : [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return [];
  const strings = v.filter((x): x is string => typeof x === 'string');
  return strings.length > 1 ? [...new Set(strings)] : strings;
}

function dedupeSorted(keys: number[]): number[] {
  let n = 0;
  for (let i = 0; i < keys.length; i++)
    if (i === 0 || keys[i] !== keys[i - 1]) keys[n++] = keys[i]!;
  keys.length = n;
  return keys;
}
