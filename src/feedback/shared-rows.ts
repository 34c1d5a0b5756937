import { PACKED_ROWS_HEADER } from './packed-rows.js';

/** Decoded rows of one distinct packed blob, shared by every impression that logged exactly these bytes. */
export interface SharedRowsEntry {
  width: number;
  values: Float32Array;
  query?: Float32Array;
  /** Item i's row, created once and handed to every clickthrough of these rows (same object: consumers may memo). */
  itemRows?: Float32Array[];
  /**
   * The blob's payload (after the header), to confirm a hash match exactly: for format 1 (every value stored) a
   * view of the decoded values, which on little-endian hosts are those bytes; for format 2 (zeros left out) a copy.
   */
  bytes: Uint8Array;
  /** The blob's format byte: payloads of two formats are never compared. */
  format: number;
}

/** Distinct blobs remembered at most (each a small object over rows the log holds anyway). */
const MAX_ENTRIES = 1 << 18;
/** Entries per hash at most: rows that differ in a few values only must not make a lookup scan many candidates. */
const MAX_BUCKET = 4;

/**
 * Identical packed rows are decoded once: a heavy log repeats the same query's list with the same rows many times
 * (a head query served the same items with the same features), and each copy would otherwise cost a decode, its
 * own buffers and the garbage collector's time. A blob is matched by a hash of all its bytes, then confirmed by an
 * exact byte comparison with the decoded rows, so only bit-identical rows are ever shared. Shared rows are read-only
 * by contract (nothing in training writes into a feature row).
 */
export class SharedRows {
  private readonly byHash = new Map<number, SharedRowsEntry[]>();
  private size = 0;
  private last: { blob?: Uint8Array; hash: number } = { hash: 0 };
  hits = 0;

  private hashOf(blob: Uint8Array): number {
    if (this.last.blob !== blob) this.last = { blob, hash: hashBlob(blob) };
    return this.last.hash;
  }

  /** The entry holding exactly these rows (header included), if one was remembered. */
  find(blob: Uint8Array): SharedRowsEntry | undefined {
    if (blob.length < PACKED_ROWS_HEADER) return undefined;
    const bucket = this.byHash.get(this.hashOf(blob));
    if (!bucket) return undefined;
    const payload = blob.subarray(PACKED_ROWS_HEADER);
    for (const e of bucket) {
      if (e.bytes.length !== payload.length || !sameHeader(e, blob)) continue;
      if (Buffer.compare(e.bytes, payload) === 0) {
        this.hits++;
        return e;
      }
    }
    return undefined;
  }

  /** Remembers the decoded rows of `blob` (values then the query row, back to back as decoded). */
  remember(
    blob: Uint8Array,
    rows: { width: number; values: Float32Array; query?: Float32Array },
  ): SharedRowsEntry {
    const count = rows.values.length + (rows.query?.length ?? 0);
    const format = blob[3]!;
    const entry: SharedRowsEntry = {
      width: rows.width,
      values: rows.values,
      query: rows.query,
      bytes:
        format === 1
          ? new Uint8Array(rows.values.buffer, rows.values.byteOffset, count * 4)
          : new Uint8Array(blob.subarray(PACKED_ROWS_HEADER)),
      format,
    };
    if (this.size >= MAX_ENTRIES) return entry;
    const h = this.hashOf(blob);
    this.last = { hash: 0 };
    const bucket = this.byHash.get(h);
    if (!bucket) this.byHash.set(h, [entry]);
    else if (bucket.length < MAX_BUCKET) bucket.push(entry);
    else return entry;
    this.size++;
    return entry;
  }
}

/** Item i's row of a shared entry: the same Float32Array object for every impression sharing the entry. */
export function sharedItemRows(e: SharedRowsEntry, items: number): Float32Array[] {
  if (!e.itemRows || e.itemRows.length !== items)
    e.itemRows = Array.from({ length: items }, (_, i) =>
      e.values.subarray(i * e.width, (i + 1) * e.width),
    );
  return e.itemRows;
}

function sameHeader(e: SharedRowsEntry, blob: Uint8Array): boolean {
  const items = e.values.length / e.width;
  return (
    blob[3] === e.format &&
    u32(blob, 4) === items &&
    u32(blob, 8) === e.width &&
    u32(blob, 12) === (e.query?.length ?? 0)
  );
}

/** FNV-1a over the blob's 32-bit words (bytes past the last whole word folded in too). */
function hashBlob(b: Uint8Array): number {
  let h = 2166136261;
  const words = b.length >>> 2;
  if (b.byteOffset % 4 === 0) {
    const w = new Int32Array(b.buffer, b.byteOffset, words);
    for (let i = 0; i < words; i++) h = Math.imul(h ^ w[i]!, 16777619);
  } else
    for (let i = 0; i < words; i++)
      h = Math.imul(
        h ^ (b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24)),
        16777619,
      );
  for (let i = words * 4; i < b.length; i++) h = Math.imul(h ^ b[i]!, 16777619);
  return h >>> 0;
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
