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

  /** The parsed body, or the bytes back (undefined when the worker is gone: the caller then parses itself). */
  parse(buf: Uint8Array): Promise<Reply | undefined> {
    const slot = this.turn++ % this.workers.length;
    const worker = this.workers[slot] ?? this.start(slot);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage({ id, buf }, [buf.buffer as ArrayBuffer]);
    });
  }

  private start(slot: number): Worker {
    const script = fileURLToPath(new URL('./items-body-worker.mjs', import.meta.url));
    const w = new Worker(script);
    w.unref(); // an idle parser never keeps the process alive
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
    readRaw(req, res, (err?: unknown) => {
      if (err !== undefined) {
        next(err);
        return;
      }
      const raw = req.body as Buffer;
      // The worker owns what it is sent: a private copy unless the Buffer already is its whole ArrayBuffer.
      const own =
        raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength
          ? raw
          : new Uint8Array(raw);
      pool ??= new ParsePool(Math.min(2, Math.max(1, availableParallelism() - 1)));
      void pool.parse(own).then((r) => {
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
