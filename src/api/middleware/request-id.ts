import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/** The caller's x-request-id when it is a plain token, else a new UUID; echoed in the response header. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/**
 * The request id alone, for a server whose log level is `silent`: pino-http would still build a child logger and
 * attach finish listeners to every request only to log nothing (~0.25 ms of a /v1/search at 100k items).
 */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    (req as { id?: unknown }).id = requestIdFor(req, res);
    next();
  };
}
