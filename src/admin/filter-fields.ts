import type { CollectionSchema, PayloadFieldType } from '../domain/collection.js';
import { isNestedFilter, type Condition, type Filter } from '../domain/filter.js';
import { ChorusError } from '../errors.js';
import { itemBatches } from '../stores/item-batches.js';
import type { VectorStore } from '../stores/vector-store.js';

/** The admin reads at most this many items to learn a collection's filter values. */
const SCAN_LIMIT = 5_000;
const TOP_VALUES = 12;
/** Distinct values kept per keyword field for checking filters (past this, a field is not checked). */
const MAX_DISTINCT = 5_000;

export interface FieldSummary {
  key: string;
  type: PayloadFieldType;
  /** Keyword/bool fields: the most frequent values with counts. */
  values?: { value: string | number | boolean; count: number }[];
  min?: number;
  max?: number;
}

export interface FilterFields {
  collection: string;
  fields: FieldSummary[];
  /** Whether every item was read (then "no item has this value" is a fact, not a guess). */
  complete: boolean;
  /** A filter that matches items of this collection, for the query bar's placeholder. */
  example: string;
}

/** The summary plus every distinct keyword value (server side only: used to check filters). */
export interface FieldIndex extends FilterFields {
  distinct: Map<string, Set<string | number | boolean>>;
}

/**
 * What a collection can be filtered on: its `payloadIndexes` fields with their values as the stored items have
 * them, so the playground can suggest a filter that has hits and catch a wrong-case value before it silently
 * returns nothing.
 */
export async function summariseFields(
  store: VectorStore,
  schema: CollectionSchema,
): Promise<FieldIndex> {
  const indexes = schema.payloadIndexes ?? {};
  const keys = Object.keys(indexes);
  const counts = new Map<string, Map<string | number | boolean, number>>(
    keys.map((k) => [k, new Map()]),
  );
  const ranges = new Map<string, { min: number; max: number }>();
  let scanned = 0;
  // Stopped at a batch that came after the limit: more items than were read.
  let complete = true;
  for await (const batch of itemBatches(store, schema.name)) {
    if (scanned >= SCAN_LIMIT) {
      complete = false;
      break;
    }
    for (const item of batch) {
      scanned++;
      for (const key of keys) {
        const raw = item.payload[key];
        // An item counts once per value, however often a list repeats it (as facets count).
        for (const v of Array.isArray(raw) ? new Set(raw) : [raw]) {
          if (typeof v === 'number') {
            const r = ranges.get(key) ?? { min: v, max: v };
            ranges.set(key, { min: Math.min(r.min, v), max: Math.max(r.max, v) });
          }
          if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') {
            const m = counts.get(key)!;
            m.set(v, (m.get(v) ?? 0) + 1);
          }
        }
      }
    }
  }
  const fields = keys.map((key): FieldSummary => {
    const type = indexes[key]!;
    const r = ranges.get(key);
    const values = [...counts.get(key)!.entries()].sort(
      (a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])),
    );
    if (type === 'integer' || type === 'float' || type === 'datetime')
      return { key, type, ...(r ?? {}) };
    return {
      key,
      type,
      values: values.slice(0, TOP_VALUES).map(([value, count]) => ({ value, count })),
    };
  });
  const distinct = new Map(
    [...counts].filter(([, m]) => m.size <= MAX_DISTINCT).map(([k, m]) => [k, new Set(m.keys())]),
  );
  return {
    collection: schema.name,
    fields,
    complete,
    example: exampleFilter(fields),
    distinct,
  };
}

function exampleFilter(fields: FieldSummary[]): string {
  const keyword = fields.find(
    (f) => f.type === 'keyword' && f.values?.length && typeof f.values[0]!.value === 'string',
  );
  const numeric = fields.find(
    (f) => f.min !== undefined && f.max !== undefined && f.type !== 'datetime',
  );
  const parts: string[] = [];
  if (keyword) parts.push(`${keyword.key}=${String(keyword.values![0]!.value)}`);
  if (numeric) parts.push(`${numeric.key}>=${numeric.min}`);
  return parts.join(', ');
}

function conditions(filter: Filter): Condition[] {
  const out: Condition[] = [];
  for (const c of [...(filter.must ?? []), ...(filter.should ?? []), ...(filter.must_not ?? [])]) {
    if (isNestedFilter(c)) out.push(...conditions(c));
    else out.push(c);
  }
  return out;
}

const listOf = (keys: string[]) => (keys.length ? keys.join(', ') : 'none');

/**
 * Checks a filter against what the collection holds. An unknown or wrongly-cased field, or a keyword value that
 * exists only in another case, is an error saying what was meant; a value no item has is returned as a note (a
 * filter that can only give 0 hits says why). Values are checked only when every item was read.
 */
export function checkFilter(filter: Filter, f: FieldIndex): string[] {
  const byKey = new Map(f.fields.map((x) => [x.key, x]));
  const notes: string[] = [];
  for (const c of conditions(filter)) {
    if (isNestedFilter(c)) continue;
    const field = byKey.get(c.key);
    if (!field) {
      const near = f.fields.find((x) => x.key.toLowerCase() === c.key.toLowerCase());
      throw new ChorusError(
        'VALIDATION',
        near
          ? `unknown filter field "${c.key}": did you mean "${near.key}"? (field names are case-sensitive)`
          : `"${c.key}" is not a filterable field of ${f.collection}; filterable: ${listOf([...byKey.keys()])}`,
        { key: c.key },
      );
    }
    const wanted = 'match' in c ? [c.match.value] : 'in' in c ? c.in : [];
    const all = f.distinct.get(field.key);
    if (!f.complete || !all || field.type !== 'keyword') continue;
    for (const v of wanted) {
      if (all.has(v)) continue;
      const near =
        typeof v === 'string'
          ? [...all].find((x) => typeof x === 'string' && x.toLowerCase() === v.toLowerCase())
          : undefined;
      if (near !== undefined) {
        throw new ChorusError(
          'VALIDATION',
          `${field.key} has no value "${String(v)}": did you mean "${String(near)}"? (values are case-sensitive)`,
          { key: c.key },
        );
      }
      const shown = (field.values ?? []).map((x) => String(x.value));
      notes.push(
        `no item has ${field.key} = "${String(v)}" (most common: ${shown.join(', ')}${all.size > shown.length ? ', …' : ''})`,
      );
    }
  }
  return notes;
}
