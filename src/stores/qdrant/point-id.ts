import { createHash } from 'node:crypto';

/** Payload key holding the caller's id (Qdrant ids must be integers or UUIDs). Reserved: stripped on read. */
export const ORIGINAL_ID_KEY = '__chorus_id';

const NAMESPACE = 'chorus/item-id/v1';

/** A deterministic UUID (version 5 layout, SHA-1) for a caller id, so upserts stay idempotent across processes. */
export function pointIdFor(id: string): string {
  const h = createHash('sha1').update(NAMESPACE).update('\u0000').update(id, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
