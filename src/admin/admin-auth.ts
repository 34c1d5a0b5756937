import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { presentedKey, type KeyRing } from '../api/middleware/auth.js';
import { crossOrigin } from '../api/middleware/host-guard.js';
import { ChorusError } from '../errors.js';
import { csrfMatches, readCookie, type AdminSession, type SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'chorus_admin';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export const isLoopback = (req: Request): boolean => LOOPBACK.has(req.socket.remoteAddress ?? '');

/** Defence in depth beside the CSRF token: a browser's Origin, when sent, must be this server's own. */
export { crossOrigin };

declare module 'express-serve-static-core' {
  interface Request {
    adminSession?: AdminSession;
  }
}

function setSessionCookie(req: Request, res: Response, s: AdminSession, maxAgeMs: number): void {
  res.cookie(SESSION_COOKIE, s.id, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: '/admin',
    maxAge: maxAgeMs,
  });
}

/**
 * Guards /admin/api: either an admin key in the Authorization/api-key header (scripts; no cookie, so no CSRF
 * risk) or a session cookie, plus the session's CSRF token on every state-changing method. With no key
 * configured (dev mode) only loopback clients get in at all.
 */
export function requireAdmin(keys: KeyRing, sessions: SessionStore): RequestHandler {
  return (req, _res, next) => {
    if (keys.open && !isLoopback(req))
      return next(
        new ChorusError(
          'FORBIDDEN',
          'no admin key is configured: the admin UI answers loopback clients only',
        ),
      );
    // Every mode, key or cookie: an admin change from another origin is refused (CSRF, DNS rebinding).
    if (!SAFE_METHODS.has(req.method) && crossOrigin(req))
      return next(new ChorusError('FORBIDDEN', `cross-origin ${req.method} refused`));
    const key = presentedKey(req);
    if (key !== undefined) {
      if (keys.open || keys.isFullAdmin(key)) return next();
      return next(new ChorusError('FORBIDDEN', 'the admin API needs the admin key'));
    }
    const session = sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!session) return next(new ChorusError('UNAUTHENTICATED', 'log in to the admin UI first'));
    if (!SAFE_METHODS.has(req.method) && !csrfMatches(session, req.header('x-csrf-token'))) {
      return next(new ChorusError('FORBIDDEN', 'missing or wrong CSRF token (x-csrf-token)'));
    }
    req.adminSession = session;
    next();
  };
}

const LoginBody = z.object({ key: z.string().max(1024).optional() }).strict();

/** Failed logins per client address in a sliding minute; past the limit, login answers 429 until it slides by. */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly max = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  blocked(client: string): boolean {
    return this.recent(client).length >= this.max;
  }

  fail(client: string): void {
    this.failures.set(client, [...this.recent(client), this.now()]);
  }

  private recent(client: string): number[] {
    const since = this.now() - this.windowMs;
    const kept = (this.failures.get(client) ?? []).filter((t) => t > since);
    if (kept.length === 0) this.failures.delete(client);
    else this.failures.set(client, kept);
    return kept;
  }
}

/** POST /admin/api/login, GET /admin/api/session, POST /admin/api/logout. */
export function mountSessionRoutes(
  router: Router,
  keys: KeyRing,
  sessions: SessionStore,
  guard: RequestHandler,
  info: () => Record<string, unknown>,
  throttle: LoginThrottle = new LoginThrottle(),
): void {
  router.get('/admin/api/session', (req, res) => {
    const s = sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    const loopbackOnly = keys.open;
    res.json({
      authenticated: Boolean(s) && (!loopbackOnly || isLoopback(req)),
      csrf: s?.csrf ?? null,
      devMode: loopbackOnly,
      ...info(),
    });
  });

  router.post('/admin/api/login', (req, res, next) => {
    // JSON only: an HTML form on another site cannot send application/json without a CORS preflight.
    if (!req.is('application/json'))
      return next(new ChorusError('UNSUPPORTED_MEDIA', 'log in with a JSON body: {"key": "..."}'));
    if (crossOrigin(req)) return next(new ChorusError('FORBIDDEN', 'cross-origin login refused'));
    const client = req.socket.remoteAddress ?? 'unknown';
    if (throttle.blocked(client))
      return next(new ChorusError('RATE_LIMITED', 'too many failed logins: wait a minute'));
    const body = LoginBody.safeParse(req.body ?? {});
    if (!body.success) return next(new ChorusError('VALIDATION', 'send {"key": "..."}'));
    if (keys.open) {
      if (!isLoopback(req))
        return next(
          new ChorusError(
            'FORBIDDEN',
            'no admin key is configured: log in from the server itself (loopback)',
          ),
        );
    } else if (!body.data.key || !keys.isFullAdmin(body.data.key)) {
      throttle.fail(client);
      return next(new ChorusError('UNAUTHENTICATED', 'that is not the admin key'));
    }
    // A fresh id at every login: a session id planted before login is never promoted (session fixation).
    sessions.destroy(readCookie(req.headers.cookie, SESSION_COOKIE));
    const s = sessions.create();
    setSessionCookie(req, res, s, sessions.maxAgeMs);
    res.json({ authenticated: true, csrf: s.csrf, devMode: keys.open });
  });

  router.post('/admin/api/logout', guard, (req, res) => {
    sessions.destroy(req.adminSession?.id);
    res.clearCookie(SESSION_COOKIE, {
      path: '/admin',
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
    });
    res.json({ authenticated: false });
  });
}
