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
import type { CollectionSchema } from '../../domain/collection.js';
import { typedValue } from '../../domain/payload-typing.js';
import type { Item, Payload } from '../../domain/item.js';
import type { ValidItem } from '../item-validation.js';
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
