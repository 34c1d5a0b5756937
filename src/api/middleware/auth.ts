import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { ChorusConfig, Scope } from '../../config.js';
import { ChorusError } from '../../errors.js';
import { crossOrigin, isSafeMethod } from './host-guard.js';

const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2 };

/** Keys are compared as SHA-256 digests with timingSafeEqual: constant time, whatever the length. */
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** What a key may do: its scope, and the collections it is limited to (absent: all). */
export interface KeyAccess {
  scope: Scope;
  collections?: ReadonlySet<string>;
}

export interface KeyRing {
  /** True when no key is configured: every route is open and the server must bind to loopback. */
  readonly open: boolean;
  access(key: string): KeyAccess | undefined;
  scopeOf(key: string): Scope | undefined;
  /** An admin key limited to no collection: the admin UI and the job dashboard need one. */
  isFullAdmin(key: string): boolean;
}

export function createKeyRing(config: Pick<ChorusConfig, 'adminKey' | 'apiKeys'>): KeyRing {
  const entries: (KeyAccess & { hash: Buffer })[] = config.apiKeys.map((k) => ({
    hash: digest(k.key),
    scope: k.scope,
    ...(k.collections ? { collections: new Set(k.collections) } : {}),
  }));
  if (config.adminKey) entries.push({ hash: digest(config.adminKey), scope: 'admin' });
  const access = (key: string): KeyAccess | undefined => {
    const h = digest(key);
    let found: KeyAccess | undefined;
    // Check every entry (no early exit) so timing does not reveal which one matched.
    for (const e of entries)
      if (timingSafeEqual(e.hash, h) && (!found || RANK[e.scope] > RANK[found.scope])) found = e;
    return (
      found && {
        scope: found.scope,
        ...(found.collections ? { collections: found.collections } : {}),
      }
    );
  };
  return {
    open: entries.length === 0,
    access,
    scopeOf: (key) => access(key)?.scope,
    isFullAdmin(key) {
      const a = access(key);
      return a?.scope === 'admin' && a.collections === undefined;
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
  return (req, res, next) => {
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
    const has = ring.access(key);
    if (!has) return next(new ChorusError('UNAUTHENTICATED', 'the API key is not valid'));
    if (RANK[has.scope] < RANK[scope])
      return next(
        new ChorusError(
          'FORBIDDEN',
          `this route needs the "${scope}" scope; the key has "${has.scope}"`,
        ),
      );
    if (has.collections) res.locals.keyCollections = has.collections;
    next();
  };
}

/** The collections a request names: the route's `:name`, `?collection=`, the body's `collection` and its events'. */
export function requestCollections(req: Request, namesCollection: boolean): string[] {
  const out: string[] = [];
  if (namesCollection && typeof req.params.name === 'string') out.push(req.params.name);
  if (typeof req.query.collection === 'string') out.push(req.query.collection);
  const body: unknown = req.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as { collection?: unknown; events?: unknown };
    if (typeof b.collection === 'string') out.push(b.collection);
    if (Array.isArray(b.events))
      for (const e of b.events as { collection?: unknown }[])
        if (typeof e?.collection === 'string') out.push(e.collection);
  }
  return out;
}

/**
 * Route guard for keys limited to some collections (after requireScope): the request must name at least one
 * collection, and only the key's. A route that names none (jobs, users, metrics) is refused to such a key unless it
 * lists collections (`lists`: the handler then shows the key's own only).
 */
export function requireCollectionAccess(o: {
  namesCollection: boolean;
  lists?: boolean;
}): RequestHandler {
  return (req, res, next) => {
    const allowed = res.locals.keyCollections as ReadonlySet<string> | undefined;
    if (!allowed) return next();
    // A multipart body is read after this check, and its fields could name another collection than the URL.
    if (req.is('multipart/form-data'))
      return next(
        new ChorusError(
          'FORBIDDEN',
          'a key limited to some collections sends JSON bodies, not multipart (files as base64)',
        ),
      );
    const named = requestCollections(req, o.namesCollection);
    if (named.length === 0 && !o.lists)
      return next(
        new ChorusError(
          'FORBIDDEN',
          `this key is limited to the collections ${[...allowed].join(', ')}, and this route is not per collection`,
        ),
      );
    const other = named.find((c) => !allowed.has(c));
    if (other !== undefined)
      return next(new ChorusError('FORBIDDEN', `this key may not use the collection "${other}"`));
    next();
  };
}
