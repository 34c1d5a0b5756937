import { createHash } from 'node:crypto';
import type { JsonValue } from '../domain/item.js';

/** Bumped when the hashed recipe changes, so old hashes never match new ones by accident. */
const HASH_VERSION = 'chorus-item-v1';

export interface HashableItem {
  text?: string;
  payload?: Record<string, JsonValue>;
  image?: Uint8Array;
  audio?: Uint8Array;
  /** Precomputed vectors: a changed vector re-indexes the item. */
  vectors?: Record<string, number[]>;
  /** Model id per vector name: a model change changes every hash, so items are re-embedded. */
  models: Record<string, string>;
}

/**
 * sha256 over everything that decides an item's stored vectors and payload. Equal hash => the stored
 * item is already what this run would write, so it is skipped without encoding.
 */
export function contentHash(item: HashableItem): string {
  const h = createHash('sha256');
  const part = (label: string, data: string | Uint8Array | undefined) => {
    if (data === undefined) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    // Length-prefixed parts: ("ab","c") and ("a","bc") never collide.
    h.update(`${label}:${bytes.length}:`);
    h.update(bytes);
  };
  part('v', HASH_VERSION);
  part('models', canonicalJson(item.models));
  part('text', item.text);
  part('payload', item.payload ? canonicalJson(item.payload) : undefined);
  part('image', item.image);
  part('audio', item.audio);
  if (item.vectors) part('vectors', canonicalJson(item.vectors));
  return h.digest('hex');
}

/** JSON with object keys sorted at every level, so equal payloads hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
