import type { FeedbackEvent } from '../domain/feedback.js';

/**
 * Server-logged feature rows in binary: what the impression log stores instead of JSON number arrays (a 10-item
 * impression's rows are ~9.5 KB of 17-digit decimals as JSON, 1.9 KB as float32s, ~0.7 KB without the zeros).
 *
 * Layout (all little-endian):
 *   0  'C' 'F' 'R' <format>
 *   4  u32 items      rows, one per shown item, in the impression's `items` order
 *   8  u32 width      values per item row
 *   12 u32 queryWidth values in the query row (`__query__`); 0 = none
 *   16 format 1: float32 × (items × width + queryWidth)
 *      format 2 (written since): a bitmap of the values that are not zero (bit i of byte i >> 3, lowest bit first;
 *      ceil(count / 8) bytes, bits past the count clear), then those values as float32s in order. Two thirds of a
 *      served row are zeros (flags, absent sources): 1924 -> ~700 bytes for 10 items, so two events share a 4 KB
 *      page of the log where one did (a 2.6 KB row left 1.5 KB of every page empty).
 *
 * Packing is lossless or not done: only rows whose every value is a float32 (what the engine's extractor produces)
 * and whose keys are exactly the shown items (plus the query row) are packed; anything else stays JSON.
 */
export const PACKED_ROWS_HEADER = 16;
const MAGIC = [0x43, 0x46, 0x52] as const;
/** The format packFeatureRows writes; unpackFeatureRows reads 1 and 2. */
export const PACKED_ROWS_FORMAT = 2;
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
  return encodeSparse(n, width, qw, values);
}

/** Format 2: header, bitmap of the non-zero values, those values. */
function encodeSparse(n: number, width: number, qw: number, values: Float32Array): Buffer {
  let nonZero = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nonZero++;
  const mapBytes = (values.length + 7) >>> 3;
  const out = Buffer.alloc(PACKED_ROWS_HEADER + mapBytes + nonZero * 4);
  out.set(MAGIC, 0);
  out[3] = PACKED_ROWS_FORMAT;
  out.writeUInt32LE(n, 4);
  out.writeUInt32LE(width, 8);
  out.writeUInt32LE(qw, 12);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = PACKED_ROWS_HEADER + mapBytes;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === 0) continue;
    out[PACKED_ROWS_HEADER + (i >>> 3)]! |= 1 << (i & 7);
    view.setFloat32(at, v, true);
    at += 4;
  }
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
  const format = blob[3];
  if (format !== 1 && format !== 2) return 'feature row blob has an unknown format';
  const n = u32(blob, 4);
  const width = u32(blob, 8);
  const qw = u32(blob, 12);
  if (n !== items) return `feature row blob has ${n} rows for ${items} shown items`;
  if (width === 0 || width > MAX_WIDTH || qw > MAX_WIDTH)
    return `feature row blob has an invalid width (${width}, query ${qw})`;
  const count = n * width + qw;
  const dense = format === 1 ? denseValues(blob, count, alloc) : sparseValues(blob, count, alloc);
  if (typeof dense === 'string') return dense;
  return {
    items: n,
    width,
    values: dense.subarray(0, n * width),
    ...(qw ? { query: dense.subarray(n * width) } : {}),
  };
}

/** Format 1's values: every float32 stored. */
function denseValues(
  blob: Uint8Array,
  count: number,
  alloc: (n: number) => Float32Array,
): Float32Array | string {
  if (blob.length !== PACKED_ROWS_HEADER + count * 4)
    return `feature row blob is ${blob.length} bytes, expected ${PACKED_ROWS_HEADER + count * 4}`;
  const values = alloc(count);
  readFloats(blob, PACKED_ROWS_HEADER, values, count);
  return values;
}

/** Format 2's values: the zeros the bitmap leaves out put back. */
function sparseValues(
  blob: Uint8Array,
  count: number,
  alloc: (n: number) => Float32Array,
): Float32Array | string {
  const mapBytes = (count + 7) >>> 3;
  if (blob.length < PACKED_ROWS_HEADER + mapBytes)
    return 'feature row blob is shorter than its bitmap';
  let nonZero = 0;
  for (let b = 0; b < mapBytes; b++) nonZero += popcount(blob[PACKED_ROWS_HEADER + b]!);
  if (count % 8 !== 0 && blob[PACKED_ROWS_HEADER + mapBytes - 1]! >>> (count % 8) !== 0)
    return 'feature row blob marks values past its rows';
  const expected = PACKED_ROWS_HEADER + mapBytes + nonZero * 4;
  if (blob.length !== expected)
    return `feature row blob is ${blob.length} bytes, expected ${expected}`;
  // Only the set bits are visited (two thirds of a served row are zeros); an arena's memory may hold old values.
  const values = alloc(count);
  values.fill(0, 0, count);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let at = PACKED_ROWS_HEADER + mapBytes;
  for (let b = 0; b < mapBytes; b++) {
    let bits = blob[PACKED_ROWS_HEADER + b]!;
    while (bits !== 0) {
      const low = bits & -bits;
      values[(b << 3) + 31 - Math.clz32(low)] = view.getFloat32(at, true);
      at += 4;
      bits ^= low;
    }
  }
  return values;
}

/** `count` little-endian float32s of `blob` from byte `at` into `out` (copied: nothing aliases SQLite's buffer). */
function readFloats(blob: Uint8Array, at: number, out: Float32Array, count: number): void {
  const start = blob.byteOffset + at;
  if (LITTLE_ENDIAN && start % 4 === 0) out.set(new Float32Array(blob.buffer, start, count));
  else if (LITTLE_ENDIAN)
    new Uint8Array(out.buffer, out.byteOffset, count * 4).set(
      new Uint8Array(blob.buffer, start, count * 4),
    );
  else {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + i * 4, true);
  }
}

function popcount(b: number): number {
  b = b - ((b >>> 1) & 0x55);
  b = (b & 0x33) + ((b >>> 2) & 0x33);
  return (b + (b >>> 4)) & 0x0f;
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
