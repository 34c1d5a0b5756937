import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';

/** One logged-in admin browser: the cookie carries only the random id, everything else stays here. */
export interface AdminSession {
  id: string;
  /** Synchronizer CSRF token: sent back by the page in `x-csrf-token` on every state-changing request. */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionStoreOptions {
  /** Idle timeout (ms): a session unused this long is gone. */
  idleMs?: number;
  /** Absolute lifetime (ms), however active. */
  maxAgeMs?: number;
  now?: () => number;
}

const token = () => randomBytes(32).toString('base64url');
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Server-side admin sessions. Kept in memory on purpose: a restart logs everyone out, which is the safe
 * failure for an admin console, and no session secret ever reaches disk.
 */
export class SessionStore {
  private readonly sessions = new Map<string, AdminSession>();
  readonly idleMs: number;
  readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(o: SessionStoreOptions = {}) {
    this.idleMs = o.idleMs ?? 60 * 60 * 1000;
    this.maxAgeMs = o.maxAgeMs ?? 12 * 60 * 60 * 1000;
    this.now = o.now ?? Date.now;
  }

  create(): AdminSession {
    this.sweep();
    const t = this.now();
    const s: AdminSession = { id: token(), csrf: token(), createdAt: t, lastSeenAt: t };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session for a cookie value (touching it), or undefined when unknown or expired. */
  get(id: string | undefined): AdminSession | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeenAt > this.idleMs || t - s.createdAt > this.maxAgeMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeenAt = t;
    return s;
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.sessions)
      if (t - s.lastSeenAt > this.idleMs || t - s.createdAt > this.maxAgeMs)
        this.sessions.delete(id);
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(session: AdminSession, presented: string | undefined): boolean {
  if (!presented) return false;
  return timingSafeEqual(digest(session.csrf), digest(presented));
}

/** Reads one cookie from a Cookie header (no dependency: the admin UI sets exactly one). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
