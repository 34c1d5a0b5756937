import type { RequestHandler, Response } from 'express';
import type { WriteProgress } from '../../engine/items.js';
import { ChorusError, ERROR_TABLE } from '../../errors.js';

/** What a route tells the timeout about its work, so the 504 can say what happened to it. */
export interface TimeoutHooks {
  /** Extra `details` for the 504 body (e.g. `applied`). */
  details?: () => Record<string, unknown>;
  /** A commit under way: the answer waits for it up to the write grace, so it can be definite. */
  inFlight?: () => Promise<unknown> | undefined;
  /** Also answer when the route finishes with its own response first (set by the route). */
  message?: () => string | undefined;
}

export interface RequestTimeoutOptions {
  /** How long a 504 waits for a store commit already under way before it answers `applied: 'unknown'`. */
  writeGraceMs?: number;
}

/**
 * Puts an AbortSignal on every request (`res.locals.signal`), aborted when the request runs past `ms` or the
 * client goes away; the engine and stores stop at their next stage once it is aborted. At the timeout the
 * client gets one 504 JSON answer; anything the handler sends after that is dropped here, so a late handler
 * can never write a second response (ERR_HTTP_HEADERS_SENT).
 */
export function requestTimeout(ms: number, opts: RequestTimeoutOptions = {}): RequestHandler {
  const grace = opts.writeGraceMs ?? 2000;
  return (req, res, next) => {
    const controller = new AbortController();
    res.locals.signal = controller.signal;
    let answered = false;
    // The route's own answers pass only while the timeout has not answered.
    const { json, send } = res;
    res.json = function (this: Response, body?: unknown) {
      return answered ? this : json.call(this, body);
    } as Response['json'];
    res.send = function (this: Response, body?: unknown) {
      return answered ? this : send.call(this, body);
    } as Response['send'];

    const answer = () => {
      if (res.headersSent || res.writableEnded) return;
      const hooks = res.locals.timeoutHooks as TimeoutHooks | undefined;
      const details = hooks?.details?.();
      res
        .status(ERROR_TABLE.TIMEOUT.status)
        .set('connection', 'close')
        .json({
          error: {
            code: 'TIMEOUT',
            message: `the request took longer than ${ms} ms (limits.requestTimeoutMs)${hooks?.message?.() ?? ''}`,
            ...(details ? { details } : {}),
          },
        });
      answered = true;
      res.locals.timedOut = true;
    };
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      controller.abort(new ChorusError('TIMEOUT', `the request took longer than ${ms} ms`));
      const inFlight = (res.locals.timeoutHooks as TimeoutHooks | undefined)?.inFlight?.();
      if (!inFlight || grace <= 0) return answer();
      // A commit already under way cannot be taken back: wait a little so the client hears "applied" or
      // "not applied" rather than "unknown" (the route's own 200 wins if it gets there first).
      const graceTimer = setTimeout(answer, grace);
      graceTimer.unref();
      void inFlight.finally(() => {
        clearTimeout(graceTimer);
        setImmediate(answer);
      });
    }, ms);
    timer.unref();
    // Streaming routes call this after each unit of progress: their limit is time without progress.
    res.locals.refreshTimeout = () => {
      if (!controller.signal.aborted) timer.refresh();
    };
    const done = () => clearTimeout(timer);
    res.once('finish', done);
    res.once('close', () => {
      done();
      // The client went away before an answer: stop the work it asked for.
      if (!res.writableFinished)
        controller.abort(new ChorusError('BAD_REQUEST', 'the client closed the connection'));
    });
    next();
  };
}

/** The request's AbortSignal (a never-aborted one where the middleware is not mounted, e.g. unit tests). */
export function requestSignal(res: Response): AbortSignal {
  return (res.locals.signal as AbortSignal | undefined) ?? new AbortController().signal;
}

/** Registers a write so a 504 reports `details.applied` (true, false or 'unknown') and waits briefly for a commit in flight. */
export function trackWrite(res: Response): { signal: AbortSignal; progress: WriteProgress } {
  const progress: WriteProgress = { stage: 'pending' };
  const hooks: TimeoutHooks = {
    details: () => ({ applied: appliedOf(progress) }),
    inFlight: () => (progress.stage === 'storing' ? progress.settled : undefined),
    message: () =>
      ({
        true: ': the write was applied',
        false: ': the write was not applied; retrying it is safe',
        unknown:
          ': the write may or may not have been applied; retrying it is safe (upserts are idempotent by id)',
      })[String(appliedOf(progress)) as 'true' | 'false' | 'unknown'],
  };
  res.locals.timeoutHooks = hooks;
  return { signal: requestSignal(res), progress };
}

export function appliedOf(progress: WriteProgress): boolean | 'unknown' {
  if (progress.stage === 'applied') return true;
  if (progress.stage === 'storing') return 'unknown';
  return false;
}
