import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import {
  Router,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';

export interface BullBoardOptions {
  /** Where the router is mounted; bull-board needs it to build its links. */
  basePath?: string;
  /** Admin key checked on every request (Bearer, `api-key` header, or HTTP Basic password so a browser can log in). */
  adminKey?: string;
  /** The app's own admin guard; used instead of `adminKey` when given. */
  authorize?: RequestHandler;
}

/**
 * The bull-board UI and API for the given BullMQ queues, behind the admin key. Mount it at
 * `/admin/queues` (the default base path) when Redis is configured:
 * `app.use('/admin/queues', createBullBoardRouter([queue.queue], { adminKey }))`.
 */
export function createBullBoardRouter(queues: Queue[], opts: BullBoardOptions = {}): Router {
  const basePath = opts.basePath ?? '/admin/queues';
  const serverAdapter = new ExpressAdapter().setBasePath(basePath);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Chorus jobs' } },
  });
  const guard = opts.authorize ?? adminKeyGuard(opts.adminKey);
  const router = Router();
  router.use(guard);
  router.use(serverAdapter.getRouter() as Router);
  return router;
}

/** Refuses everything when no admin key is configured: the queues can retry and delete jobs. */
export function adminKeyGuard(adminKey: string | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (adminKey && keyMatches(presentedKey(req), adminKey)) return next();
    const status = adminKey ? 401 : 403;
    res
      .status(status)
      .set('WWW-Authenticate', 'Basic realm="chorus-admin", charset="UTF-8"')
      .json({
        error: {
          code: adminKey ? 'UNAUTHENTICATED' : 'FORBIDDEN',
          message: adminKey
            ? 'the admin key is required'
            : 'no admin key is configured (CHORUS_ADMIN_KEY), so the job board is off',
        },
      });
  };
}

function presentedKey(req: Request): string | undefined {
  const auth = req.get('authorization') ?? '';
  if (auth.startsWith('Bearer ')) return auth.slice(7).trim();
  if (auth.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i >= 0 ? decoded.slice(i + 1) : decoded;
  }
  return req.get('api-key') ?? undefined;
}

function keyMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
