import type { RequestHandler } from 'express';

/** How long a browser may reuse a preflight's answer (seconds). */
const PREFLIGHT_MAX_AGE = 600;

/**
 * CORS for the configured web origins on /v1 (cors.origins): a page on one of them may call the API from the
 * browser with a key in a header (never cookies: no credentials are allowed, so the page holds only the authority of
 * the key it sends). Preflights are answered here; other origins get no CORS headers, so browsers keep them out.
 * The admin UI and its routes are never opened to other origins.
 */
export function corsForOrigins(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (allowed.size === 0 || typeof origin !== 'string' || !req.path.startsWith('/v1/'))
      return next();
    res.vary('Origin');
    if (!allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
    res.setHeader('Access-Control-Allow-Headers', 'authorization, api-key, content-type');
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE));
    res.status(204).end();
  };
}
