import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { ChorusError, ERROR_TABLE, type ErrorCode } from '../../errors.js';

interface HttpLikeError {
  type?: string;
  status?: number;
  statusCode?: number;
  code?: string;
  message?: string;
}

interface IssueLike {
  path: PropertyKey[];
  message: string;
  code: string;
  errors?: IssueLike[][];
}

/**
 * Zod issues as the error body lists them. A union that no branch matched is one bare "Invalid input" at the
 * union's path (a click without `itemId` sent to /v1/feedback said only "(body): Invalid input"): it is replaced by
 * the issues of the branch that came closest (fewest issues, then the one that got deepest into the body, then the
 * first), at their full paths.
 */
function flatIssues(
  issues: readonly IssueLike[],
  prefix: PropertyKey[] = [],
): { path: string; message: string; code: string }[] {
  const out: { path: string; message: string; code: string }[] = [];
  for (const i of issues) {
    const at = [...prefix, ...i.path];
    if (i.code === 'invalid_union' && i.errors && i.errors.length > 0) {
      const depth = (b: IssueLike[]) => Math.max(0, ...b.map((x) => x.path.length));
      const best = i.errors.reduce((a, b) =>
        b.length < a.length || (b.length === a.length && depth(b) > depth(a)) ? b : a,
      );
      if (best.length > 0) {
        out.push(...flatIssues(best, at));
        continue;
      }
    }
    out.push({ path: at.map(String).join('.'), message: i.message, code: i.code });
  }
  return out;
}

/** Maps anything thrown to (status, code, message, details); unknown errors hide their message. */
export function toErrorBody(err: unknown): {
  status: number;
  body: { error: { code: string; message: string; details?: unknown } };
} {
  const wrap = (code: ErrorCode, message?: string, details?: unknown) => ({
    status: ERROR_TABLE[code].status,
    body: {
      error: {
        code,
        message: message ?? ERROR_TABLE[code].message,
        ...(details === undefined ? {} : { details }),
      },
    },
  });
  if (err instanceof ChorusError) return wrap(err.code, err.message, err.details);
  if (err instanceof ZodError) {
    const issues = flatIssues(err.issues);
    const first = issues[0];
    return wrap(
      'VALIDATION',
      first ? `${first.path || '(body)'}: ${first.message}` : undefined,
      issues,
    );
  }
  const e = (err ?? {}) as HttpLikeError;
  if (e.type === 'entity.parse.failed') return wrap('BAD_REQUEST', 'the body is not valid JSON');
  if (e.type === 'entity.verify.failed') return wrap('BAD_REQUEST', e.message);
  if (
    e.type === 'entity.too.large' ||
    e.code === 'LIMIT_FILE_SIZE' ||
    e.code === 'LIMIT_FIELD_VALUE'
  ) {
    return wrap(
      'PAYLOAD_TOO_LARGE',
      'the request body or an uploaded file is over the configured limit',
    );
  }
  if (
    e.code === 'LIMIT_UNEXPECTED_FILE' ||
    e.code === 'LIMIT_FILE_COUNT' ||
    e.code === 'LIMIT_FIELD_COUNT' ||
    e.code === 'LIMIT_PART_COUNT'
  ) {
    return wrap('BAD_REQUEST', `multipart form rejected: ${e.message ?? e.code}`);
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')
    return wrap('UNSUPPORTED_MEDIA', e.message);
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500)
    return {
      status,
      body: { error: { code: 'BAD_REQUEST', message: e.message ?? 'bad request' } },
    };
  return wrap('INTERNAL');
}

export function errorHandler(log?: (err: unknown, status: number) => void): ErrorRequestHandler {
  return (err, _req, res, next) => {
    // A handler stopped by its request's signal (timeout or disconnect): the timeout answers (with what it
    // knows about the work) or nobody is listening; either way this is not a second response.
    const signal = res.locals.signal as AbortSignal | undefined;
    if (signal?.aborted && err === signal.reason) return;
    if (res.locals.timedOut) return log?.(err, toErrorBody(err).status);
    if (res.headersSent) return next(err);
    const { status, body } = toErrorBody(err);
    log?.(err, status);
    res.status(status).json(body);
  };
}

export const notFound: RequestHandler = (req, res) => {
  res
    .status(404)
    .json({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.path}` } });
};

/** JSON routes: a body that is not application/json is a 415, never silently ignored. */
export function requireJson(allowMultipart = false): RequestHandler {
  return (req, _res, next) => {
    const hasBody =
      Number(req.headers['content-length'] ?? 0) > 0 ||
      req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.is('application/json') || (allowMultipart && req.is('multipart/form-data')))
      return next();
    next(
      new ChorusError(
        'UNSUPPORTED_MEDIA',
        `expected application/json${allowMultipart ? ' or multipart/form-data' : ''}, got ${req.headers['content-type'] ?? 'no content type'}`,
      ),
    );
  };
}
