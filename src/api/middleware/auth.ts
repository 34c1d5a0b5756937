import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { ChorusConfig, Scope } from '../../config.js';
import { ChorusError } from '../../errors.js';
import { crossOrigin, isSafeMethod } from './host-guard.js';

const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2 };

/** Keys are compared as SHA-256 digests with timingSafeEqual: constant time, whatever the length. */
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export interface KeyRing {
  /** True when no key is configured: every route is open and the server must bind to loopback. */
  readonly open: boolean;
  scopeOf(key: string): Scope | undefined;
}

export function createKeyRing(config: Pick<ChorusConfig, 'adminKey' | 'apiKeys'>): KeyRing {
  const entries = config.apiKeys.map((k) => ({ hash: digest(k.key), scope: k.scope }));
  if (config.adminKey) entries.push({ hash: digest(config.adminKey), scope: 'admin' });
  return {
    open: entries.length === 0,
    scopeOf(key) {
      const h = digest(key);
      let found: Scope | undefined;
      // Check every entry (no early exit) so timing does not reveal which one matched.
      for (const e of entries)
        if (timingSafeEqual(e.hash, h) && (!found || RANK[e.scope] > RANK[found])) found = e.scope;
      return found;
    },
  };
}

export function presentedKey(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m ? m[1]!.trim() : undefined;
  }
  const header = req.headers['api-key'];
  return typeof header === 'string' && header.length > 0 ? header : undefined;
}

/**
 * Route guard: the presented key must carry at least `scope` (admin > write > read). Admin changes (and every
 * change when no key is configured, where any caller is admin) must also come from no Origin or our own.
 */
export function requireScope(ring: KeyRing, scope: Scope): RequestHandler {
  return (req, _res, next) => {
    if ((scope === 'admin' || ring.open) && !isSafeMethod(req.method) && crossOrigin(req)) {
      return next(
        new ChorusError(
          'FORBIDDEN',
          `cross-origin ${req.method} refused: send it from a script (no Origin) or this server's own pages`,
        ),
      );
    }
    if (ring.open) return next();
    const key = presentedKey(req);
    if (!key)
      return next(
        new ChorusError(
          'UNAUTHENTICATED',
          'send an API key as "Authorization: Bearer KEY" or "api-key: KEY"',
        ),
      );
    const has = ring.scopeOf(key);
    if (!has) return next(new ChorusError('UNAUTHENTICATED', 'the API key is not valid'));
    if (RANK[has] < RANK[scope])
      return next(
        new ChorusError('FORBIDDEN', `this route needs the "${scope}" scope; the key has "${has}"`),
      );
    next();
  };
}
