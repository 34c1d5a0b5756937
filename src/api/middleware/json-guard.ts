import { isUtf8 } from 'node:buffer';

/** Deeper than this is no real payload or filter, and recursive validators would blow the stack on it. */
export const MAX_JSON_DEPTH = 64;

/** Thrown from express.json's `verify` hook; the error middleware maps `entity.verify.failed` to a 400. */
export class JsonGuardError extends Error {}

/** Maximum bracket nesting of a JSON text, skipping strings (one pass over the bytes, no parse). */
export function jsonDepth(buf: Uint8Array, stopAbove = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > stopAbove) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Whether a JSON text nests deeper than `max`. A text with no more opening brackets than that (counted by the
 * native byte search, strings included) cannot, and is answered without the byte loop: a search body is ~30 KB of
 * numbers with five brackets (the loop cost ~0.1 ms per request).
 */
export function nestedDeeperThan(buf: Uint8Array, max: number): boolean {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let opening = 0;
  for (const c of [0x7b, 0x5b]) {
    for (let i = b.indexOf(c); i !== -1; i = b.indexOf(c, i + 1)) {
      if (++opening > max) return jsonDepth(buf, max) > max;
    }
  }
  return false;
}

/** `verify` for express.json: the raw body must be valid UTF-8 (not silently U+FFFD-replaced) and shallow. */
export function verifyJsonBody(_req: unknown, _res: unknown, buf: Buffer): void {
  if (!isUtf8(buf)) throw new JsonGuardError('the body is not valid UTF-8');
  if (nestedDeeperThan(buf, MAX_JSON_DEPTH))
    throw new JsonGuardError(`the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
}
