import type { FeedbackEvent } from '../domain/feedback.js';

/**
 * Server-logged feature rows in binary: what the impression log stores instead of JSON number arrays (a 10-item
 * impression's rows are ~9.5 KB of 17-digit decimals as JSON, 1.9 KB here; the trainer reads them without parsing).
 *
 * Layout (all little-endian):
 *   0  'C' 'F' 'R' <format 1>
 *   4  u32 items      rows, one per shown item, in the impression's `items` order
 *   8  u32 width      values per item row
 *   12 u32 queryWidth values in the query row (`__query__`); 0 = none
 *   16 float32 × (items × width + queryWidth)
 *
 * Packing is lossless or not done: only rows whose every value is a float32 (what the engine's extractor produces)
 * and whose keys are exactly the shown items (plus the query row) are packed; anything else stays JSON.
 */
export const PACKED_ROWS_HEADER = 16;
const MAGIC = [0x43, 0x46, 0x52, 1] as const;
/** Same cap as the event schema's rows. */
const MAX_WIDTH = 4096;
/** Same key as training-set's QUERY_FEATURES_KEY (not imported: training-set imports this module). */
const QUERY_KEY = '__query__';
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

type Impression = Extract<FeedbackEvent, { type: 'impression' }>;

/** Decoded rows: item rows back to back (`items × width`), then the query row when there is one. */
export interface PackedRows {
  items: number;
  width: number;
  /** Item i's row is `values.subarray(i * width, (i + 1) * width)`. */
  values: Float32Array;
  query?: Float32Array;
}

/** The impression's rows as one blob, or undefined when they cannot be packed exactly (then they stay JSON). */
export function packFeatureRows(imp: Impression): Buffer | undefined {
  const f = imp.features;
  if (!f) return undefined;
  const n = imp.items.length;
  const width = f[imp.items[0]!.id]?.length ?? 0;
  if (width === 0 || width > MAX_WIDTH) return undefined;
  const q = f[QUERY_KEY];
  const qw = q?.length ?? 0;
  if (qw > MAX_WIDTH) return undefined;
  // Keys must be exactly the shown ids (+ query row): unpacking rebuilds the object from the items.
  const ids = new Set<string>();
  for (const it of imp.items) ids.add(it.id);
  if (ids.has(QUERY_KEY) || ids.has('__proto__')) return undefined;
  let keys = 0;
  for (const k in f) if (k !== QUERY_KEY) keys++;
  if (keys !== ids.size) return undefined;
  const values = new Float32Array(n * width + qw);
  for (let i = 0; i < n; i++) {
    const row = f[imp.items[i]!.id];
    if (!row || row.length !== width || !copyExact(row, values, i * width)) return undefined;
  }
  if (q && !copyExact(q, values, n * width)) return undefined;
  const out = Buffer.allocUnsafe(PACKED_ROWS_HEADER + values.length * 4);
  out.set(MAGIC, 0);
  out.writeUInt32LE(n, 4);
  out.writeUInt32LE(width, 8);
  out.writeUInt32LE(qw, 12);
  if (LITTLE_ENDIAN) out.set(new Uint8Array(values.buffer), PACKED_ROWS_HEADER);
  else
    for (let i = 0; i < values.length; i++)
      out.writeFloatLE(values[i]!, PACKED_ROWS_HEADER + i * 4);
  return out;
}

/** Copies `row` into `out` at `at`; false when a value is not exactly a float32 (NaN included). */
function copyExact(row: readonly number[], out: Float32Array, at: number): boolean {
  for (let j = 0; j < row.length; j++) {
    const v = row[j]!;
    if (Math.fround(v) !== v) return false;
    out[at + j] = v + 0; // -0 -> 0, as the JSON rows had it
  }
  return true;
}

/**
 * Reads a blob for an impression of `items` shown items. Returns the reason when the blob is malformed (a damaged
 * or foreign blob never reaches training); values are copied out, so nothing aliases SQLite's buffer. Bounds of the
 * values are the caller's check (training re-checks every row it uses).
 */
export function unpackFeatureRows(
  blob: Uint8Array,
  items: number,
  alloc: (n: number) => Float32Array = (n) => new Float32Array(n),
): PackedRows | string {
  if (blob.length < PACKED_ROWS_HEADER) return 'feature row blob is shorter than its header';
  for (let i = 0; i < MAGIC.length; i++)
    if (blob[i] !== MAGIC[i]) return 'feature row blob has an unknown format';
  const n = u32(blob, 4);
  const width = u32(blob, 8);
  const qw = u32(blob, 12);
  if (n !== items) return `feature row blob has ${n} rows for ${items} shown items`;
  if (width === 0 || width > MAX_WIDTH || qw > MAX_WIDTH)
    return `feature row blob has an invalid width (${width}, query ${qw})`;
  const count = n * width + qw;
  if (blob.length !== PACKED_ROWS_HEADER + count * 4)
    return `feature row blob is ${blob.length} bytes, expected ${PACKED_ROWS_HEADER + count * 4}`;
  const values = alloc(count);
  const at = blob.byteOffset + PACKED_ROWS_HEADER;
  if (LITTLE_ENDIAN && at % 4 === 0) values.set(new Float32Array(blob.buffer, at, count));
  else if (LITTLE_ENDIAN)
    new Uint8Array(values.buffer, values.byteOffset, count * 4).set(
      new Uint8Array(blob.buffer, at, count * 4),
    );
  else {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(PACKED_ROWS_HEADER + i * 4, true);
  }
  return {
    items: n,
    width,
    values: values.subarray(0, n * width),
    ...(qw ? { query: values.subarray(n * width) } : {}),
  };
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** The JSON `features` object the rows were packed from (for readers of stored events: the API, exports). */
export function featuresFromPacked(
  rows: PackedRows,
  items: readonly { id: string }[],
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (let i = 0; i < rows.items; i++)
    out[items[i]!.id] ??= Array.from(rows.values.subarray(i * rows.width, (i + 1) * rows.width));
  if (rows.query) out[QUERY_KEY] = Array.from(rows.query);
  return out;
}
