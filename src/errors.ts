// One table of error codes: each maps to an HTTP status and CLI exit code.
// Decoding user input returns/throws ChorusError; programming errors stay plain Errors.

export const ERROR_TABLE = {
  BAD_REQUEST: { status: 400, exit: 2, message: 'The request is malformed.' },
  VALIDATION: { status: 400, exit: 2, message: 'The input did not pass validation.' },
  INVALID_CONFIG: { status: 500, exit: 2, message: 'The configuration is invalid.' },
  INVALID_VECTOR: { status: 400, exit: 2, message: 'A vector is invalid.' },
  DIMENSION_MISMATCH: { status: 400, exit: 2, message: 'A vector has the wrong dimension.' },
  SCHEMA_MISMATCH: { status: 409, exit: 2, message: 'The collection schema does not match.' },
  UNSUPPORTED_MEDIA: { status: 415, exit: 2, message: 'The media type is not supported.' },
  MEDIA_DECODE: { status: 422, exit: 2, message: 'The media file could not be decoded.' },
  PAYLOAD_TOO_LARGE: { status: 413, exit: 2, message: 'The input is too large.' },
  UNAUTHENTICATED: { status: 401, exit: 2, message: 'A valid API key is required.' },
  FORBIDDEN: { status: 403, exit: 2, message: 'This API key may not do that.' },
  NOT_FOUND: { status: 404, exit: 2, message: 'Not found.' },
  COLLECTION_NOT_FOUND: { status: 404, exit: 2, message: 'The collection does not exist.' },
  COLLECTION_EXISTS: { status: 409, exit: 2, message: 'The collection already exists.' },
  CONFLICT: { status: 409, exit: 1, message: 'The request conflicts with the current state.' },
  PROMOTION_REFUSED: {
    status: 409,
    exit: 1,
    message: 'The candidate model is not better than the serving ranker on held-out queries.',
  },
  MODEL_MISSING: { status: 503, exit: 1, message: 'A model is not available.' },
  RATE_LIMITED: { status: 429, exit: 1, message: 'Too many requests.' },
  OVERLOADED: { status: 503, exit: 1, message: 'The server is busy; retry shortly.' },
  TIMEOUT: { status: 504, exit: 1, message: 'The operation timed out.' },
  UNAVAILABLE: { status: 503, exit: 1, message: 'A backing service is unavailable.' },
  INTERNAL: { status: 500, exit: 1, message: 'Internal error.' },
} as const satisfies Record<string, { status: number; exit: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export class ChorusError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown, options?: { cause?: unknown }) {
    super(message ?? ERROR_TABLE[code].message, options);
    this.name = 'ChorusError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_TABLE[this.code].status;
  }

  get exitCode(): number {
    return ERROR_TABLE[this.code].exit;
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function createError(code: ErrorCode, message?: string, details?: unknown): ChorusError {
  return new ChorusError(code, message, details);
}

export function isChorusError(e: unknown): e is ChorusError {
  return e instanceof ChorusError;
}
