import { Worker } from 'node:worker_threads';
import type { LexicalLanguage } from '../domain/lexical-languages.js';
import type { LexicalDoc } from './bm25-index.js';

/** One write, applied by the thread in the order sent (each its own SQLite transaction). */
export type LexicalWrite =
  | { op: 'upsert'; collection: string; docs: LexicalDoc[] }
  | { op: 'delete'; collection: string; ids: string[] }
  | { op: 'drop'; collection: string }
  | { op: 'language'; collection: string; language: LexicalLanguage };

interface Waiting {
  resolve: () => void;
  reject: (e: Error) => void;
}

interface Reply {
  id: number;
  error?: string;
}

/** Sent once the thread has opened its connection. */
const READY = -1;

/**
 * A worker thread with its own connection to a BM25 file that applies writes (tokenising, stemming and the SQLite
 * transaction): during a bulk load these took ~6% of the event loop, and every millisecond on the loop is one a
 * search waits. Writes run one after another in the order sent, so an upsert followed by a delete of the same id
 * ends deleted. A write's promise resolves once its transaction committed: the next read on any connection sees it
 * (WAL), so "acknowledged" still means "searchable". Until the thread has opened its connection (~1 s from the
 * sources under tsx) the owner keeps writing itself: nothing is in flight on the thread then, so order holds. If the
 * thread dies, writes in flight reject (the caller's journal entry stays for recovery) and `usable` turns false
 * for good.
 */
export class Bm25WriteThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private exited: Promise<void>;
  private alive = true;
  /** close() was called: the thread holds the process until it exits. */
  private closing = false;
  private opened = false;
  private markOpened!: (open: boolean) => void;
  /** Resolves true once writes go to the thread, false if it failed first. */
  readonly ready = new Promise<boolean>((resolve) => (this.markOpened = resolve));

  constructor(file: string) {
    this.worker = new Worker(new URL('./bm25-write-worker.mjs', import.meta.url), {
      workerData: { file },
    });
    this.worker.on('message', (r: Reply) => {
      if (r.id === READY) {
        this.opened = true;
        this.markOpened(true);
        this.releaseIfIdle();
        return;
      }
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      this.releaseIfIdle();
      if (r.error === undefined) w.resolve();
      else w.reject(new Error(`lexical index write failed: ${r.error}`));
    });
    this.exited = new Promise((resolve) => {
      const gone = (e?: unknown) => {
        this.alive = false;
        this.markOpened(false);
        const reason = new Error(
          `the lexical index writer thread stopped${e instanceof Error ? `: ${e.message}` : ''}`,
        );
        for (const w of this.waiting.values()) w.reject(reason);
        this.waiting.clear();
        resolve();
      };
      this.worker.on('error', gone);
      this.worker.on('exit', () => gone());
    });
    // Held until it has opened (a script may await `ready`) and while writes are in flight (a script awaiting one
    // may have nothing else keeping it up: exit code 13); an idle, open writer never keeps the process alive.
  }

  /** An open thread with no write in flight and no close pending never keeps the process alive. */
  private releaseIfIdle(): void {
    if (this.opened && this.waiting.size === 0 && !this.closing) this.worker.unref();
  }

  /** Writes should go to the thread (it is open and has not failed). */
  get usable(): boolean {
    return this.alive && this.opened;
  }

  run(write: LexicalWrite): Promise<void> {
    if (!this.alive) return Promise.reject(new Error('the lexical index writer thread stopped'));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, ...write });
    });
  }

  /** Applies what was sent before, closes the thread's connection and ends it. */
  close(): Promise<void> {
    // Held until it exits: an unref'd thread is all that is left when a script awaits close() last, and the
    // process would end (exit code 13, top-level await unsettled) before the thread's last commit.
    this.closing = true;
    if (this.alive) {
      this.worker.ref();
      this.worker.postMessage({ id: 0, op: 'close' });
    }
    return this.exited;
  }
}
