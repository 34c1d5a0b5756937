import { createHash } from 'node:crypto';
import type { VectorStore } from '../../src/stores/vector-store.js';

export interface StoreSnapshot {
  count: number;
  /** SHA-256 over every item's id, payload and vectors, in id order: any change to stored data changes it. */
  checksum: string;
}

/** Scrolls the whole collection (ids, payloads, vectors) and hashes it in a stable order. */
export async function snapshotCollection(
  store: VectorStore,
  collection: string,
): Promise<StoreSnapshot> {
  const rows: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scroll(collection, { limit: 256, cursor, withVectors: true });
    for (const item of page.items) {
      const vectors = Object.keys(item.vectors)
        .sort()
        .map((name) => `${name}=${Array.from(item.vectors[name]!).join(',')}`);
      rows.push(`${item.id}\u0000${stableJson(item.payload)}\u0000${vectors.join(';')}`);
    }
    cursor = page.next;
  } while (cursor);
  rows.sort();
  const hash = createHash('sha256');
  for (const r of rows) hash.update(r).update('\n');
  return { count: await store.count(collection), checksum: hash.digest('hex') };
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
