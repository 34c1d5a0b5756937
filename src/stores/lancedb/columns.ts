import {
  Int8,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  List,
  Schema,
  Struct,
  Utf8,
  type DataType,
} from 'apache-arrow';
import { CollectionSchema, type PayloadFieldType } from '../../domain/collection.js';
import { ChorusError } from '../../errors.js';
import { payloadColumn } from '../filter-lancedb.js';

/**
 * The on-disk layout of one collection table:
 *   id       Utf8, not null (caller id, merge key)
 *   payload  Utf8 JSON (the whole payload, returned as is)
 *   v_<name> FixedSizeList<Float32>[dim], nullable (an item may lack any modality)
 *   p_<key>  typed copy of each payloadIndexes field, for filtering (keyword -> List<Utf8>, geo -> Struct<lat, lon>)
 * The CollectionSchema itself travels in the Arrow schema metadata, committed atomically with the table.
 */
export const SCHEMA_METADATA_KEY = 'chorus.collection';

export const ID_COLUMN = 'id';
export const PAYLOAD_COLUMN = 'payload';

export function vectorColumn(name: string): string {
  return `v_${name}`;
}

function payloadType(type: PayloadFieldType): DataType {
  switch (type) {
    case 'keyword':
      return new List(new Field('item', new Utf8(), true));
    case 'text':
      return new Utf8();
    case 'integer':
    case 'float':
    case 'datetime':
      return new Float64(); // exact for integers up to 2^53; datetime as epoch ms
    case 'bool':
      // Int8 0/1, not Bool: Arrow JS writes an empty value buffer for an all-null Bool batch, which LanceDB rejects.
      return new Int8();
    case 'geo':
      // Filters read `p_<key>`.`lat` and .`lon` (SQL's own trigonometry computes the distance).
      return new Struct([
        new Field('lat', new Float64(), true),
        new Field('lon', new Float64(), true),
      ]);
  }
}

export function arrowSchemaFor(schema: CollectionSchema): Schema {
  const fields: Field[] = [
    new Field(ID_COLUMN, new Utf8(), false),
    new Field(PAYLOAD_COLUMN, new Utf8(), false),
  ];
  for (const [name, spec] of Object.entries(schema.vectors)) {
    fields.push(
      new Field(
        vectorColumn(name),
        new FixedSizeList(spec.dim, new Field('item', new Float32(), true)),
        true,
      ),
    );
  }
  for (const [key, type] of Object.entries(schema.payloadIndexes)) {
    fields.push(new Field(payloadColumn(key), payloadType(type), true));
  }
  return new Schema(fields, new Map([[SCHEMA_METADATA_KEY, JSON.stringify(schema)]]));
}

/** Reads the CollectionSchema back from a table's Arrow schema metadata. */
export function collectionSchemaFromArrow(name: string, arrow: Schema): CollectionSchema {
  const raw = arrow.metadata.get(SCHEMA_METADATA_KEY);
  if (!raw)
    throw new ChorusError(
      'SCHEMA_MISMATCH',
      `table ${name} is not a Chorus collection (no schema metadata)`,
    );
  const parsed = CollectionSchema.safeParse(JSON.parse(raw));
  if (!parsed.success)
    throw new ChorusError('SCHEMA_MISMATCH', `table ${name} has unreadable schema metadata`);
  return parsed.data;
}
