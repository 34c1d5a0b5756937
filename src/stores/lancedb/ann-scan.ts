import type { Table } from '@lancedb/lancedb';
import type { CollectionSchema } from '../../domain/collection.js';
import type { AnnRow, CollectionAnn } from '../ann/collection-ann.js';
import { ID_COLUMN, PAYLOAD_COLUMN, vectorColumn } from './columns.js';

/** Structural view of the Arrow vectors LanceDB returns (its own CommonJS arrow copy, so no instanceof). */
interface ArrowData {
  length: number;
  offset: number;
  nullCount: number;
  nullBitmap?: Uint8Array | null;
  children: { values: Float32Array; offset: number }[];
}
interface ArrowVector {
  data: ArrowData[];
  get(i: number): unknown;
}
interface ArrowBatch {
  numRows: number;
  getChild(name: string): ArrowVector | null;
}

/**
 * Loads every row's vectors from the table into `ann` (as pending rows, so they are searchable exactly at once and
 * absorbed into the graphs in the background). Used when no saved index matches the table version.
 */
export async function scanIntoAnn(
  table: Table,
  schema: CollectionSchema,
  ann: CollectionAnn,
  tableVersion: number,
  onPayload?: (id: string, json: string) => void,
): Promise<void> {
  const names = Object.keys(schema.vectors);
  const columns = [ID_COLUMN, ...names.map(vectorColumn), ...(onPayload ? [PAYLOAD_COLUMN] : [])];
  const query = table.query().select(columns);
  for await (const raw of query as unknown as AsyncIterable<ArrowBatch>) {
    const ids = raw.getChild(ID_COLUMN)!;
    const readers = names.map((n) =>
      rowReader(raw.getChild(vectorColumn(n)), schema.vectors[n]!.dim),
    );
    const payloads = onPayload ? raw.getChild(PAYLOAD_COLUMN) : null;
    const rows: AnnRow[] = [];
    for (let i = 0; i < raw.numRows; i++) {
      const vectors: Record<string, Float32Array | undefined> = {};
      names.forEach((n, j) => (vectors[n] = readers[j]!(i)));
      const id = String(ids.get(i));
      rows.push({ id, vectors });
      if (payloads) onPayload!(id, String(payloads.get(i)));
    }
    ann.upserted(rows, tableVersion);
  }
  ann.tableVersion = tableVersion;
}

/** Row i of a FixedSizeList<Float32> column as a view of the batch's buffer, or undefined where null. */
function rowReader(
  vec: ArrowVector | null,
  dim: number,
): (row: number) => Float32Array | undefined {
  if (!vec) return () => undefined;
  const chunks = vec.data;
  return (row) => {
    let i = row;
    for (const d of chunks) {
      if (i >= d.length) {
        i -= d.length;
        continue;
      }
      const at = d.offset + i;
      if (d.nullCount > 0 && d.nullBitmap && (d.nullBitmap[at >> 3]! & (1 << (at & 7))) === 0)
        return undefined;
      const child = d.children[0]!;
      const start = child.offset + at * dim;
      return child.values.subarray(start, start + dim);
    }
    return undefined;
  };
}
