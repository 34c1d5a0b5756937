import type { RequestHandler } from 'express';
import { ERROR_TABLE } from '../../errors.js';

/**
 * Answers 504 JSON when a request runs past `ms` (a slow model, a stuck store), so clients never hang.
 * The handler keeps running (JavaScript cannot cancel it) but its late response is dropped by express
 * because headers were already sent; `res.locals.timedOut` lets long handlers stop early.
 */
export function requestTimeout(ms: number): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res.locals.timedOut = true;
      res
        .status(ERROR_TABLE.TIMEOUT.status)
        .set('connection', 'close')
        .json({ error: { code: 'TIMEOUT', message: `the request took longer than ${ms} ms (limits.requestTimeoutMs)` } });
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    req.once('aborted', clear);
    next();
  };
}
