import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';
import getRawBody from 'raw-body';

/**
 * A hot JSON route served without express's router and body parser, running the very same middleware and route
 * functions in the same order. A /v1/search walks a dozen router layers, a streaming body reader with a charset
 * decoder and content negotiation before its handler: most of the HTTP cost a search pays over the engine. Only
 * the plain shape takes this path: `POST <path>` exactly (no query string), `content-type: application/json`
 * (optionally `; charset=utf-8`), a `content-length` within the limit and no content or transfer encoding.
 * Everything else (other casings, chunked or compressed bodies, oversized ones) goes through express unchanged,
 * so the answers cannot differ: both paths run the same functions; only how the body arrives is written twice.
 */
export interface FastRoute {
  /** e.g. '/v1/search' */
  path: string;
  /** Body limit in bytes (the route's jsonBody limit): longer bodies take the express path and its 413. */
  limit: number;
  /** The app-level middleware every request passes first, in mount order. */
  before: RequestHandler[];
  /** The body check express.json runs (`verify`); a throw is its 400. */
  verify: (req: IncomingMessage, res: ServerResponse, buf: Buffer) => void;
  /** The route's guards and handler, as mounted on its router. */
  route: RequestHandler[];
  /** The app's error handler (express would reach it after the routes). */
  onError: ErrorRequestHandler;
}

const JSON_TYPE = /^application\/json(?:; ?charset=utf-8)?$/i;
const DIGITS = /^\d{1,12}$/;
/** express.json's strict mode: JSON whitespace, then an object or an array. */
const STRICT_START = /^[ \t\n\r]*[[{]/;

/** Whether `req` has the plain shape the fast path serves. */
export function takesFastPath(
  req: IncomingMessage,
  route: Pick<FastRoute, 'path' | 'limit'>,
): boolean {
  if (req.method !== 'POST' || req.url !== route.path) return false;
  const h = req.headers;
  const type = h['content-type'];
  if (type === undefined || !JSON_TYPE.test(type)) return false;
  if (h['content-encoding'] !== undefined || h['transfer-encoding'] !== undefined) return false;
  const length = h['content-length'];
  if (length === undefined || !DIGITS.test(length)) return false;
  const n = Number(length);
  return n > 0 && n <= route.limit;
}

/**
 * Puts the fast path in front of `app`'s router: `app(req, res)` (what node's server calls) serves plain-shaped
 * requests for `route.path` itself and hands every other request to express as before.
 */
export function installFastRoute(app: Express, route: FastRoute): void {
  type Handle = (req: IncomingMessage, res: ServerResponse, cb?: unknown) => void;
  const expressApp = app as unknown as { handle: Handle };
  const handle = expressApp.handle.bind(app);
  const steps: RequestHandler[] = [
    ...route.before,
    // What the router records for a matched route (the metrics label reads it at 'finish'); set only once the
    // app-level middleware let the request through, as the router would.
    (req, _res, next) => {
      req.baseUrl = '';
      (req as { route?: unknown }).route = { path: route.path };
      next();
    },
    readJsonBody(route.verify),
    ...route.route,
  ];
  expressApp.handle = (req: IncomingMessage, res: ServerResponse, cb?: unknown) => {
    if (cb !== undefined || !takesFastPath(req, route)) return handle(req, res, cb);
    // What express's app.handle does before its router.
    const r = req as Request;
    const s = res as Response;
    r.res = s;
    s.req = r;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    s.locals ??= Object.create(null) as Response['locals'];
    r.originalUrl = r.originalUrl || r.url;
    run(steps, route.onError, r, s);
  };
}

/** Runs handlers in order as express's router does: next() continues, next(err) goes to the error handler. */
function run(
  steps: RequestHandler[],
  onError: ErrorRequestHandler,
  req: Request,
  res: Response,
): void {
  let i = 0;
  let failed = false;
  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    try {
      // The error handler passes an error on only when the answer has begun: express's final handler then
      // drops the connection.
      onError(err, req, res, () => req.socket.destroy());
    } catch {
      req.socket.destroy();
    }
  };
  const next = (err?: unknown): void => {
    if (err !== undefined && err !== null) return fail(err);
    const step = steps[i++];
    if (!step) return fail(new Error(`no answer from ${req.method} ${req.url}`));
    try {
      const ret = step(req, res, next) as unknown;
      if (ret instanceof Promise)
        ret.then(undefined, (e: unknown) => next(e ?? new Error('Rejected promise')));
    } catch (e) {
      next(e);
    }
  };
  next();
}

/**
 * express.json for a body whose length is known and within the limit: the bytes read by raw-body (express.json's
 * own reader, so aborted and short bodies fail with its errors), the same verify hook, a leading UTF-8 BOM skipped
 * (iconv does that for express), strict JSON (an object or array), and the same error shapes, so the error handler
 * answers the same 400s.
 */
function readJsonBody(verify: FastRoute['verify']): RequestHandler {
  return (req, res, next) => {
    getRawBody(req, { length: req.headers['content-length'] }, (readError, buf) => {
      if (readError) return next(readError);
      try {
        verify(req, res, buf);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        return next(Object.assign(err, { status: 403, type: 'entity.verify.failed' }));
      }
      const start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
      const text = buf.toString('utf8', start);
      try {
        if (!STRICT_START.test(text)) throw new SyntaxError('not a JSON object or array');
        req.body = JSON.parse(text) as unknown;
      } catch (e) {
        return next(
          httpError(400, e instanceof Error ? e.message : String(e), 'entity.parse.failed'),
        );
      }
      next();
    });
  };
}

function httpError(status: number, message: string, type: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, type, expose: true });
}
