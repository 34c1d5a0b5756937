import type { ErrorCode } from '../errors.js';

/** The server answered with an error: `{ error: { code, message, details } }` and an HTTP status. */
export class ChorusApiError extends Error {
  override readonly name = 'ChorusApiError';
  constructor(
    readonly status: number,
    /** A code from the server's error table (src/errors.ts), or HTTP_<status> for a non-JSON answer. */
    readonly code: ErrorCode | `HTTP_${number}`,
    message: string,
    readonly details: unknown,
    /** Seconds to wait, from Retry-After on 429/503. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** No answer: the network failed, the request timed out or was aborted. */
export class ChorusRequestError extends Error {
  override readonly name = 'ChorusRequestError';
  constructor(
    message: string,
    readonly reason: 'network' | 'timeout' | 'aborted' | 'bad-response',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
