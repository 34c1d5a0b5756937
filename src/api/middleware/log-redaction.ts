import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What pino-http may log about a request: method, route-ish path and status, never keys, cookies, CSRF
 * tokens, query strings (they carry user ids and query text) or user ids in paths.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["api-key"]',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/** Paths whose segments after these prefixes are user identifiers. */
const USER_SEGMENTS = /^(\/v1\/users\/|\/v1\/recommend\/users\/)[^/?]+/;

export function scrubUrl(url: string | undefined): string {
  const pathOnly = (url ?? '').split('?')[0] ?? '';
  return pathOnly.replace(USER_SEGMENTS, '$1:id');
}

type LoggedReq = {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  raw?: IncomingMessage;
};

/** pino-http `serializers.req`: drops the query string and user ids before anything is written. */
export function redactedRequest(req: LoggedReq): LoggedReq {
  const headers = { ...(req.headers ?? {}) };
  for (const h of ['authorization', 'api-key', 'cookie', 'x-csrf-token'])
    if (h in headers) headers[h] = '[redacted]';
  return { id: req.id, method: req.method, url: scrubUrl(req.url), headers };
}

export function redactedResponse(
  res: { statusCode?: number; headers?: Record<string, unknown> } & Partial<ServerResponse>,
) {
  const headers = { ...(res.headers ?? {}) };
  if ('set-cookie' in headers) headers['set-cookie'] = '[redacted]';
  return { statusCode: res.statusCode, headers };
}
