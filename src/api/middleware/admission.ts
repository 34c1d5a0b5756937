import type { RequestHandler, Response } from 'express';
import { ChorusError } from '../../errors.js';

export interface AdmissionOptions {
  /** Requests served at once; 0 admits everything (no queue). */
  concurrency: number;
  /** Requests allowed to wait; one more is answered 503 with Retry-After. */
  queue: number;
  /** Told how long each admitted request waited (ms; 0 when a slot was free). */
  onAdmit?: (waitedMs: number) => void;
}

export interface AdmissionStats {
  running: number;
  waiting: number;
  /** Requests that had to wait for a slot, and those turned away with a full queue, since start. */
  queued: number;
  rejected: number;
}

export interface AdmissionGate {
  middleware: RequestHandler;
  stats(): AdmissionStats;
}

type Turn = 'waiting' | 'running' | 'done';

/**
 * Admission for the CPU-bound read routes (search, recommend): at most `concurrency` requests run at once, the
 * rest wait in arrival order, and past `queue` waiting the answer is 503. Why: it bounds the work a flood holds at
 * once (candidate sets alive through every young-generation GC, tasks queued on the ANN threads) and turns the
 * excess away early; it does not lower the tail at moderate load (bench/latency A/B: 3 at once against no limit,
 * no measurable change). A slot is held until the response has finished or the client has gone; a waiter that
 * times out (504) or disconnects leaves the queue without running.
 */
export function admissionGate(opts: AdmissionOptions): AdmissionGate {
  for (const [name, v] of Object.entries({ concurrency: opts.concurrency, queue: opts.queue }))
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`admission ${name} must be a non-negative integer, got ${v}`);
  let running = 0;
  let queued = 0;
  let rejected = 0;
  const waiting: { res: Response; start: () => void }[] = [];

  // The slot passes straight to the longest waiter (one whose response ended has already left the queue).
  const release = () => {
    const next = waiting.shift();
    if (next) next.start();
    else running--;
  };

  const middleware: RequestHandler = (_req, res, next) => {
    if (opts.concurrency === 0) return next();
    let turn: Turn = 'waiting';
    const finish = () => {
      const was = turn;
      turn = 'done';
      if (was === 'running') release();
      else if (was === 'waiting') {
        const i = waiting.findIndex((w) => w.res === res);
        if (i >= 0) waiting.splice(i, 1);
      }
    };
    res.once('finish', finish);
    res.once('close', finish);
    const arrived = performance.now();
    const start = () => {
      turn = 'running';
      opts.onAdmit?.(performance.now() - arrived);
      next();
    };
    if (running < opts.concurrency) {
      running++;
      return start();
    }
    if (waiting.length >= opts.queue) {
      turn = 'done';
      rejected++;
      res.set('retry-after', '1');
      return next(
        new ChorusError(
          'OVERLOADED',
          `${running} searches running and ${waiting.length} waiting (limits.searchConcurrency, limits.searchQueue); retry shortly`,
        ),
      );
    }
    queued++;
    waiting.push({ res, start });
  };

  return {
    middleware,
    stats: () => ({ running, waiting: waiting.length, queued, rejected }),
  };
}
