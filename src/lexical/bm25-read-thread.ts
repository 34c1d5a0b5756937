import { Worker } from 'node:worker_threads';
import type { Bm25Params, LexicalRead } from './bm25-index.js';
import type { LexicalExpansion, TermCorrection } from '../domain/lexical.js';

interface Reply {
  id: number;
  ids?: string[];
  scores?: number[];
  /** Only when the search read a word as another term (typo tolerance). */
  corrections?: TermCorrection[];
  error?: string;
}

interface Waiting {
  resolve: (read: LexicalRead) => void;
  reject: (e: Error) => void;
}

/** Sent once the thread has opened its connection (with `error` if it could not). */
const READY = -1;

/**
 * A worker thread with its own read connection to a BM25 file that runs top-k searches. At 100k documents a search
 * is ~1 ms (p99 ~15 ms) of a request's ~3 ms on the event loop, where every request queues behind it; on this
 * thread it runs beside the graph searches instead. Results are the ones the owner's own connection would give:
 * the same code on the same committed data (a write resolves once committed, so a search sent after it sees it).
 * Until the thread has opened (~1 s from the sources under tsx), and once it has failed, `usable` is false and the
 * owner searches itself. An idle, open thread never keeps the process alive.
 */
export class Bm25ReadThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private alive = true;
  private opened = false;
  private closing = false;
  private readonly exited: Promise<void>;
  private markOpened!: (open: boolean) => void;
  /** Resolves true once searches can go to the thread, false if it failed to open or stopped first. */
  readonly ready = new Promise<boolean>((resolve) => (this.markOpened = resolve));

  constructor(file: string, params: Bm25Params) {
    this.worker = new Worker(new URL('./bm25-read-worker.mjs', import.meta.url), {
      workerData: { file, params },
    });
    this.worker.on('message', (r: Reply) => {
      if (r.id === READY) {
        if (r.error === undefined) this.opened = true;
        else this.alive = false;
        this.markOpened(this.opened);
        this.releaseIfIdle();
        return;
      }
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      this.releaseIfIdle();
      if (r.error !== undefined) return w.reject(new Error(`lexical search failed: ${r.error}`));
      const ids = r.ids ?? [];
      const scores = r.scores ?? [];
      w.resolve({
        hits: ids.map((id, i) => ({ id, score: scores[i]! })),
        corrections: r.corrections ?? [],
      });
    });
    this.exited = new Promise((resolve) => {
      const gone = (e?: unknown) => {
        this.alive = false;
        this.markOpened(false);
        const reason = new Error(
          `the lexical search thread stopped${e instanceof Error ? `: ${e.message}` : ''}`,
        );
        for (const w of this.waiting.values()) w.reject(reason);
        this.waiting.clear();
        resolve();
      };
      this.worker.on('error', gone);
      this.worker.on('exit', () => gone());
    });
    // Held until it has opened (a script may await `ready`; ~1 s), then only while searches are in flight.
  }

  /** Searches should go to the thread (it is open and has not failed). */
  get usable(): boolean {
    return this.alive && this.opened;
  }

  search(
    collection: string,
    query: string,
    k: number,
    opts: { only?: string[]; exclude?: string[]; expand?: LexicalExpansion; prefix?: boolean },
  ): Promise<LexicalRead> {
    if (!this.alive) return Promise.reject(new Error('the lexical search thread stopped'));
    const id = this.nextId++;
    return new Promise<LexicalRead>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref(); // a search in flight keeps the process up until it answers
      this.worker.postMessage({ id, collection, query, k, ...opts });
    });
  }

  private releaseIfIdle(): void {
    if (this.opened && this.waiting.size === 0 && !this.closing) this.worker.unref();
  }

  /** Closes the thread's connection and ends it; searches in flight reject (their callers search themselves). */
  close(): Promise<void> {
    // Held until it exits: when a script awaits close() last, an unref'd thread is all that is left and the process
    // would end with the await unsettled (exit code 13).
    this.closing = true;
    if (this.alive) {
      this.worker.ref();
      this.worker.postMessage({ op: 'close' });
    }
    return this.exited;
  }
}
