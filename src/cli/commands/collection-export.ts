import { createWriteStream, renameSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Item } from '../../domain/item.js';
import { publicPayload } from '../../domain/names.js';
import { itemBatches } from '../../stores/item-batches.js';
import type { VectorStore } from '../../stores/vector-store.js';

export interface ExportOptions {
  /** JSONL file to write (written aside, renamed into place when complete); default stdout. */
  out?: string;
  /** A JSON file for `chorus collection create --schema`. */
  schemaOut?: string;
  /** Include the stored vectors (default true: a copy that needs no model to load). */
  vectors: boolean;
  /** Told the count so far every few seconds. */
  onProgress?: (exported: number, total: number) => void;
}

/**
 * One item as a line `chorus index` loads: `{"id","payload","vectors"}`. The payload goes as an object (never spread
 * into the row, where keys like `text` or `image` would mean something else) without the engine's own keys; vectors
 * as JSON numbers, which give back the same float32 values. Without vectors, `text` carries payload.text so the
 * target's text encoder has it (image and audio vectors need their files: index the folder again).
 */
export function exportRow(item: Item, withVectors: boolean): string {
  const payload = publicPayload(item.payload);
  const row: Record<string, unknown> = { id: item.id, payload };
  // Without vectors the target encodes the row: its text is what the text encoder reads (it stays in the payload).
  if (!withVectors && typeof payload.text === 'string') row.text = payload.text;
  if (withVectors && Object.keys(item.vectors).length > 0) {
    const vectors: Record<string, number[]> = {};
    for (const [name, v] of Object.entries(item.vectors)) vectors[name] = Array.from(v);
    row.vectors = vectors;
  }
  return JSON.stringify(row);
}

/**
 * Writes every item of a collection as JSON Lines, batch by batch (one pass over the table where the store has it,
 * else its scroll; constant memory either way), and
 * optionally its schema. A file target is written under a temporary name and renamed when complete, so an interrupted
 * export never leaves a partial file under the name asked for. Resolves with the count written.
 */
export async function exportCollection(
  store: VectorStore,
  collection: string,
  o: ExportOptions,
): Promise<{ exported: number; total: number }> {
  const schema = await store.openCollection(collection);
  const total = await store.count(collection);
  const tmp = o.out ? `${o.out}.partial` : undefined;
  const sink: Writable = tmp ? createWriteStream(tmp, { flags: 'w' }) : process.stdout;
  let exported = 0;
  let shown = Date.now();
  try {
    // One pass where the store has it (a scroll page sorts the table by id: quadratic over a large collection).
    for await (const items of itemBatches(store, collection, { withVectors: o.vectors })) {
      const text = items.map((i) => exportRow(i, o.vectors) + '\n').join('');
      if (text && !sink.write(text)) await once(sink, 'drain');
      exported += items.length;
      if (o.onProgress && Date.now() - shown >= 5_000) {
        shown = Date.now();
        o.onProgress(exported, total);
      }
    }
    if (tmp) {
      sink.end();
      await once(sink, 'finish');
      renameSync(tmp, o.out!);
    }
  } catch (e) {
    if (tmp) {
      sink.destroy();
      rmSync(tmp, { force: true });
    }
    throw e;
  }
  if (o.schemaOut) {
    const { vectors, payloadIndexes } = schema;
    writeFileSync(o.schemaOut, JSON.stringify({ vectors, payloadIndexes }, null, 2) + '\n');
  }
  return { exported, total };
}
