import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { ChorusError } from '../../errors.js';
import { presentedKey, type KeyRing } from './auth.js';

export interface RateLimitOptions {
  /** Requests allowed per key (or per IP without a key) per window. */
  limit: number;
  windowMs?: number;
  /** Only keys the ring knows get their own bucket: random made-up keys must not escape the per-IP limit. */
  keys: KeyRing;
}

/**
 * Per-key rate limit: the bucket is the SHA-256 of a valid presented key (never the key itself, so the limiter's
 * memory holds no secrets), else the client IP (IPv6 grouped by /56) — so inventing keys does not buy new
 * buckets. Health probes are never limited.
 */
export function perKeyRateLimit(opts: RateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs ?? 60_000,
    limit: opts.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => req.path === '/healthz' || req.path === '/readyz',
    keyGenerator: (req) => {
      const key = presentedKey(req);
      if (key && opts.keys.scopeOf(key))
        return `key:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
      return `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`;
    },
    handler: (_req, _res, next, options) => {
      next(
        new ChorusError(
          'RATE_LIMITED',
          `over ${options.limit} requests per ${Math.round(options.windowMs / 1000)} s for this key; retry later`,
        ),
      );
    },
  });
}
