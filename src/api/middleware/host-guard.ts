import type { Request, RequestHandler } from 'express';
import { ChorusError } from '../../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `127.0.0.1`, `localhost` or `[::1]`, each with an optional port: the only names a loopback-only server answers to. */
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

export const isSafeMethod = (method: string): boolean => SAFE_METHODS.has(method);

export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

/**
 * With no key configured the server binds to loopback, but a browser tricked by DNS rebinding still reaches it
 * under the attacker's name (`Host: rebind.evil.example:8080`). Answering only loopback Host names closes that:
 * the rebound page's requests all carry the attacker's name.
 */
export function loopbackHostOnly(): RequestHandler {
  return (req, _res, next) => {
    if (isLoopbackHost(req.headers.host)) return next();
    next(
      new ChorusError(
        'FORBIDDEN',
        'no API key is configured, so this server answers only to 127.0.0.1, localhost or [::1] as Host; configure keys to serve other names',
      ),
    );
  };
}

/**
 * The browser-facing origin of this request, as `host[:port]`: the Host header, or X-Forwarded-Host behind a
 * reverse proxy (a cross-site page cannot set that header without a CORS preflight, and cors.origins never allows it).
 */
function ownHosts(req: Request): string[] {
  const forwarded = req.headers['x-forwarded-host'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return [req.headers.host, first]
    .filter((h): h is string => Boolean(h))
    .map((h) => h.toLowerCase());
}

/**
 * True when the request carries an Origin that is not this server's own. An absent Origin passes: scripts and
 * CLIs sending a key in a header send none, and browsers always send one on state-changing requests. `null`
 * (sandboxed frames, some redirects) or garbage counts as foreign.
 */
export function crossOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return !ownHosts(req).includes(new URL(origin).host.toLowerCase());
  } catch {
    return true;
  }
}

/** Refuses a state-changing request from another origin (CSRF, rebinding), whatever key or cookie it carries. */
export function sameOriginWrites(): RequestHandler {
  return (req, _res, next) => {
    if (isSafeMethod(req.method) || !crossOrigin(req)) return next();
    next(
      new ChorusError(
        'FORBIDDEN',
        `cross-origin ${req.method} refused: admin changes must come from this server's own pages or from a script sending no Origin`,
      ),
    );
  };
}
