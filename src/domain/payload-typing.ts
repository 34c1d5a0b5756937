import type { PayloadFieldType } from './collection.js';
import { parseDatetime } from './filter-rules.js';
import { asGeoPoint } from './geo.js';
import type { JsonValue } from './item.js';

/**
 * The typed copy of a payload field used for filtering. A value of the wrong type is stored as null (not filterable),
 * as Qdrant does not index it either; the full payload is kept untouched in the JSON column.
 */
export function typedValue(type: PayloadFieldType, v: JsonValue | undefined): unknown {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'keyword': {
      const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
      return list.length ? list : null;
    }
    case 'text':
      return typeof v === 'string' ? v : null;
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? v : null;
    case 'float':
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    case 'bool':
      return typeof v === 'boolean' ? Number(v) : null; // stored as Int8 0/1, see columns.ts
    case 'geo':
      return asGeoPoint(v) ?? null;
    case 'datetime':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string') {
        try {
          return parseDatetime(v, 'datetime');
        } catch {
          return null;
        }
      }
      return null;
  }
}
