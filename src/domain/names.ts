import { z } from 'zod';

/**
 * One rule set for every name that reaches a store or a path (collection names, model versions, item ids,
 * user ids) and for the payload keys the server keeps for itself. Names are refused, never rewritten: a lone
 * surrogate silently becoming U+FFFD in storage would make the stored id differ from the one the caller deletes.
 */

/** True when `s` is well-formed UTF-16 (no lone surrogate), so it survives a UTF-8 round trip unchanged. */
export function isWellFormed(s: string): boolean {
  // With the `u` flag a valid surrogate pair is one code point; only lone surrogates match \p{Cs}.
  return !/\p{Cs}/u.test(s);
}

const WELL_FORMED = 'must be well-formed Unicode (no lone surrogates)';
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const NO_CONTROL = /^[^\u0000-\u001f\u007f]+$/;

/** A caller-chosen identifier: 1..max characters, no control characters, well-formed UTF-16. */
export function identifier(label: string, max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(NO_CONTROL, `${label} may not contain control characters`)
    .refine(isWellFormed, `${label} ${WELL_FORMED}`);
}

/** Collection names become folder and table names: ASCII letters, digits, `_`, `-`, starting with a letter or digit. */
export const COLLECTION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const CollectionName = z
  .string()
  .regex(COLLECTION_NAME_PATTERN, 'collection names are 1-64 letters, digits, _ or -');

/** Model versions become folder names under the collection's model folder: never `.`, `..` or a separator. */
export const MODEL_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const ModelVersion = z
  .string()
  .regex(
    MODEL_VERSION_PATTERN,
    'model versions are 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

export const ItemId = identifier('ids', 256);
export const UserId = identifier('user ids', 128);

/** Payload keys the server kept there in earlier versions (provenance now lives in its own table); clients may not send them. */
export const RESERVED_PAYLOAD_KEYS: readonly string[] = ['_source', '_hash', '_indexedAt'];

/** The first reserved key a client payload uses, if any. */
export function reservedKeyIn(payload: Record<string, unknown> | undefined): string | undefined {
  if (!payload) return undefined;
  return RESERVED_PAYLOAD_KEYS.find((k) => Object.hasOwn(payload, k));
}

/** A payload as stored data shows it to clients: without the legacy reserved keys an older build wrote. */
export function publicPayload<P extends Record<string, unknown>>(payload: P): P {
  if (!reservedKeyIn(payload)) return payload;
  const out = { ...payload };
  for (const k of RESERVED_PAYLOAD_KEYS) delete out[k];
  return out;
}
