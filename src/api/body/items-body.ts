import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import { jsonBody, rawBody } from '../middleware/json-body.js';

interface Reply {
  id: number;
  body?: unknown;
  buf?: Uint8Array;
}

/**
 * Parses `POST /v1/items` bodies on worker threads. A 100-item batch of three vectors is ~1.2 MB of JSON whose
 * parse and float conversion took ~30% of the event loop during bulk loads, delaying searches; here the loop only
 * receives the result (vectors as transferred Float32Arrays). A body the worker does not take as plain
 * well-formed JSON goes through express.json exactly as before, so every error and status is unchanged.
 */
class ParsePool {
  private readonly workers: (Worker | undefined)[];
  private readonly waiting = new Map<number, (r: Reply | undefined) => void>();
  private nextId = 0;
  private turn = 0;

  constructor(size: number) {
    this.workers = new Array<Worker | undefined>(size).fill(undefined);
  }

  /**
   * The parsed body, or the bytes back as one buffer (undefined when the worker is gone: the caller then fails).
   * `parts` are the body's bytes in order; each must own its whole ArrayBuffer (they are transferred, not copied).
   */
  parse(parts: Uint8Array[]): Promise<Reply | undefined> {
    const slot = this.turn++ % this.workers.length;
    const worker = this.workers[slot] ?? this.start(slot);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage(
        { id, parts },
        parts.map((p) => p.buffer as ArrayBuffer),
      );
    });
  }

  private start(slot: number): Worker {
    const script = fileURLToPath(new URL('./items-body-worker.mjs', import.meta.url));
    const w = new Worker(script);
    w.on('message', (r: Reply) => {
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
    const gone = (): void => {
      if (this.workers[slot] !== w) return;
      this.workers[slot] = undefined;
      // Requests in flight on a dead worker lost their bytes: answered with undefined, they fail with a 500.
      for (const [id, resolve] of this.waiting) {
        resolve(undefined);
        this.waiting.delete(id);
      }
    };
    w.on('error', gone);
    w.on('exit', gone);
    // After the listeners: adding a 'message' listener refs a worker again.
    w.unref(); // an idle parser never keeps the process alive
    this.workers[slot] = w;
    return w;
  }
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/** Plain UTF-8 JSON with no content-encoding: the bodies the worker path takes. */
function offloadable(req: express.Request): boolean {
  if (!req.is(JSON_TYPES)) return false;
  const enc = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (enc !== 'identity') return false;
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1];
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}

/** The worker owns what it is sent: a private copy unless the bytes already are their whole ArrayBuffer. */
const owned = (b: Uint8Array): Uint8Array =>
  b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b);

/** An error as raw-body makes it (express's error handler and ours read `status`, `type` and the message). */
const bodyError = (message: string, type: string) =>
  Object.assign(new Error(message), { status: 400, statusCode: 400, type, expose: true });

/**
 * Reads a body of known length as the socket's chunks, without joining them: the join (~1.3 MB per 100-item batch
 * into fresh memory) cost ~4% of the event loop in bulk loads; the parser thread joins them instead. Errors are
 * raw-body's (length mismatch and aborted requests are 400s).
 */
function readParts(
  req: express.Request,
  length: number,
  done: (err: Error | undefined, parts: Uint8Array[]) => void,
): void {
  const parts: Uint8Array[] = [];
  let received = 0;
  let finished = false;
  const finish = (err?: Error) => {
    if (finished) return;
    finished = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('aborted', onAborted);
    req.off('error', onError);
    if (err) req.resume(); // drain what is left, as raw-body does
    done(err, parts);
  };
  const mismatch = () =>
    finish(bodyError('request size did not match content length', 'request.size.invalid'));
  const onData = (chunk: Buffer) => {
    received += chunk.byteLength;
    if (received > length) return mismatch();
    parts.push(owned(chunk));
  };
  const onEnd = () => (received === length ? finish() : mismatch());
  const onAborted = () => finish(bodyError('request aborted', 'request.aborted'));
  const onError = (e: Error) => finish(e);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('aborted', onAborted);
  req.on('error', onError);
}

/** `jsonBody(limit, setting)` for the bulk items route, with the parse on worker threads. */
export function itemsJsonBody(limit: number, setting: string): RequestHandler {
  const parseJson = jsonBody(limit, setting);
  const readRaw = rawBody(limit, setting);
  let pool: ParsePool | undefined;
  return (req, res, next) => {
    if (!offloadable(req)) {
      parseJson(req, res, next);
      return;
    }
    const read = (then: (parts: Uint8Array[]) => void) => {
      const length = Number(req.headers['content-length']);
      // A body of known length within the limit: its chunks as they came. Anything else (chunked, over the
      // limit, an odd header) through raw-body, whose answers are the reference.
      if (
        req.headers['transfer-encoding'] === undefined &&
        /^\d+$/.test(req.headers['content-length'] ?? '') &&
        length <= limit
      ) {
        readParts(req, length, (err, parts) => (err ? next(err) : then(parts)));
        return;
      }
      readRaw(req, res, (err?: unknown) =>
        err === undefined ? then([owned(req.body as Buffer)]) : next(err),
      );
    };
    read((parts) => {
      pool ??= new ParsePool(Math.min(2, Math.max(1, availableParallelism() - 1)));
      void pool.parse(parts).then((r) => {
        if (r && 'body' in r && r.body !== undefined) {
          req.body = r.body;
          next();
          return;
        }
        if (!r?.buf) {
          next(new Error('the body parser thread stopped'));
          return;
        }
        // Not taken: express.json reads the same bytes and answers as it always has.
        const bytes = r.buf;
        const replay = Object.assign(Readable.from([Buffer.from(bytes)]), {
          headers: { ...req.headers, 'content-length': String(bytes.byteLength) },
        });
        delete replay.headers['transfer-encoding'];
        parseJson(replay as unknown as express.Request, res, (e?: unknown) => {
          req.body = (replay as unknown as { body: unknown }).body;
          next(e);
        });
      });
    });
  };
}
