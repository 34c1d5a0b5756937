import {
  makeData,
  RecordBatch,
  Struct,
  Table as ArrowTable,
  vectorFromArray,
  type Data,
  type FixedSizeList,
  type Schema,
} from 'apache-arrow';
import type { CollectionSchema, PayloadFieldType } from '../../domain/collection.js';
import { asGeoPoint } from '../../domain/geo.js';
import type { Item, JsonValue, Payload } from '../../domain/item.js';
import type { ValidItem } from '../item-validation.js';
import { parseDatetime } from '../filter-rules.js';
import { ID_COLUMN, PAYLOAD_COLUMN, vectorColumn } from './columns.js';

/** Builds one Arrow table for a validated batch; vectors go in as one contiguous Float32 buffer per column. */
export function itemsToArrow(
  schema: CollectionSchema,
  arrowSchema: Schema,
  items: ValidItem[],
): ArrowTable {
  const n = items.length;
  const children: Data[] = [];
  for (const field of arrowSchema.fields) {
    const name = field.name;
    if (name === ID_COLUMN)
      children.push(
        vectorFromArray(
          items.map((i) => i.id),
          field.type,
        ).data[0]!,
      );
    else if (name === PAYLOAD_COLUMN)
      children.push(
        vectorFromArray(
          items.map((i) => JSON.stringify(i.payload)),
          field.type,
        ).data[0]!,
      );
    else if (name.startsWith('v_'))
      children.push(vectorData(field.type as FixedSizeList, name.slice(2), items));
    else {
      const key = name.slice(2);
      const type = schema.payloadIndexes[key]!;
      const values = items.map((i) => typedValue(type, i.payload[key]));
      children.push(vectorFromArray(values, field.type).data[0]!);
    }
  }
  const struct = makeData({
    type: new Struct(arrowSchema.fields),
    length: n,
    nullCount: 0,
    children,
  });
  return new ArrowTable([new RecordBatch(arrowSchema, struct)]);
}

function vectorData(type: FixedSizeList, vectorName: string, items: ValidItem[]): Data {
  const dim = type.listSize;
  const n = items.length;
  const values = new Float32Array(n * dim);
  const validity = new Uint8Array(Math.ceil(n / 8));
  let nullCount = 0;
  items.forEach((item, row) => {
    const v = item.vectors[vectorName];
    if (v) {
      values.set(v, row * dim);
      validity[row >> 3]! |= 1 << (row & 7);
    } else nullCount++;
  });
  const child = makeData({ type: type.children[0]!.type, length: n * dim, data: values });
  return makeData({ type, length: n, nullCount, nullBitmap: nullCount ? validity : null, child });
}

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

/** A row returned by a LanceDB query, as plain JS. */
export type LanceRow = Record<string, unknown>;

export function rowToItem(schema: CollectionSchema, row: LanceRow, withVectors: boolean): Item {
  const vectors: Record<string, Float32Array> = {};
  if (withVectors) {
    for (const name of Object.keys(schema.vectors)) {
      const v = row[vectorColumn(name)] as { toArray(): Float32Array } | null | undefined;
      if (v) vectors[name] = Float32Array.from(v.toArray());
    }
  }
  return {
    id: String(row[ID_COLUMN]),
    payload: JSON.parse(String(row[PAYLOAD_COLUMN])) as Payload,
    vectors,
  };
}

/** Which columns a read needs. */
export function selectColumns(schema: CollectionSchema, withVectors: boolean): string[] {
  const cols = [ID_COLUMN, PAYLOAD_COLUMN];
  if (withVectors) for (const name of Object.keys(schema.vectors)) cols.push(vectorColumn(name));
  return cols;
}
