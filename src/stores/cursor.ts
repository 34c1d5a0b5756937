import { ChorusError } from '../errors.js';

/** Scroll cursors are opaque to callers: base64url of a small JSON object. */
export function encodeCursor(after: string): string {
  return Buffer.from(JSON.stringify({ a: after }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { a?: unknown };
    if (typeof parsed.a === 'string') return parsed.a;
  } catch {
    // fall through to the error below
  }
  throw new ChorusError('VALIDATION', 'invalid scroll cursor');
}
