import { Worker } from 'node:worker_threads';

/**
 * How large a WAL may grow (pages) before the writing connection checkpoints it itself: the backstop should the
 * thread stop or fall behind. SQLite's default is 1,000 pages.
 */
export const BACKSTOP_PAGES = 10_000;

interface Message {
  ready?: boolean;
  checkpointed?: number;
  error?: string;
}

/**
 * Checkpoints a SQLite WAL file on a helper thread. A connection that commits on the event loop also checkpoints
 * there (SQLite's auto-checkpoint, every 1,000 WAL pages): the feedback state did so every second or two under
 * load, copying ~4 MB into the database file and fsyncing it and the WAL while every search waited (8-40 ms stalls
 * measured, issue 14). The owner lowers its own auto-checkpoint to a backstop (`BACKSTOP_PAGES`) once the thread
 * is up; the thread copies whatever was committed, at most once per `intervalMs` (default 5 s) while writes go on.
 * One fsync stays with the writer: its first commit after a checkpoint starts the WAL over and syncs the new WAL
 * header (SQLite does so at synchronous=NORMAL), hence the long default interval. What a crash can lose is
 * unchanged: a commit is in the WAL either way, and a checkpoint only copies what is already there.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private alive = true;
  /** Checkpoints the thread ran, and the WAL frames it found committed (for tests and diagnostics). */
  readonly stats = { runs: 0, frames: 0, errors: 0 };
  /** True once the thread has opened its connection; false if it stopped first. */
  readonly ready: Promise<boolean>;
  /** Resolves when the thread has ended (closed, or failed). */
  readonly stopped: Promise<void>;

  constructor(file: string, o: { intervalMs?: number; onError?: (e: Error) => void } = {}) {
    this.worker = new Worker(new URL('./wal-checkpoint-worker.mjs', import.meta.url), {
      workerData: { file, intervalMs: o.intervalMs ?? 5000 },
    });
    let ended!: () => void;
    this.stopped = new Promise((resolve) => (ended = resolve));
    this.ready = new Promise((resolve) => {
      this.worker.on('message', (m: Message) => {
        if (m.ready) resolve(true);
        if (m.checkpointed !== undefined) {
          this.stats.runs++;
          this.stats.frames += m.checkpointed;
        }
        if (m.error !== undefined) {
          this.stats.errors++;
          o.onError?.(new Error(`WAL checkpoint failed: ${m.error}`));
        }
      });
      const gone = (e?: unknown) => {
        this.alive = false;
        resolve(false);
        ended();
        if (e instanceof Error) o.onError?.(e);
      };
      this.worker.on('error', gone);
      this.worker.on('exit', () => gone());
    });
    // After the listeners (a 'message' listener refs the worker): the thread never keeps the process alive.
    this.worker.unref();
  }

  get running(): boolean {
    return this.alive;
  }

  /** Stops the thread; its connection closes first, so the owner's close is the last and removes the WAL. */
  async close(): Promise<void> {
    if (!this.alive) return;
    // Ref'd while it stops: an unref'd thread does not keep the event loop alive, so a caller awaiting its exit
    // with nothing else pending (a CLI command's top-level `await chorus.close()`) saw the process end first, exit 13.
    this.worker.ref();
    this.worker.postMessage('close');
    await this.stopped;
  }
}
