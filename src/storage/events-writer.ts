import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FeedbackEventInput } from '../domain/feedback.js';
import type { FeedbackEventLog } from '../feedback/event-log.js';
import {
  INSERT_EVENT_SQL,
  PRUNE_BATCH,
  type AppendOptions,
  type AppendResult,
  type EventInsertRow,
  type EventsRepo,
} from './events-repo.js';

/**
 * Share of one core a retention pass may use (wall time of its batches against the pauses after them). The first
 * pass after enabling retention on a big log deletes everything old: 375k served impressions of a bench log (1.6 GB)
 * took 32.1 s flat out (18.2 s CPU, ~48 us per event), on a 2-core server a core taken from serving for that long;
 * at 0.25, 132.6 s (21.3 s CPU, 0.16 of a core).
 */
export const PRUNE_DUTY = 0.25;

interface Reply {
  id: number;
  inserted?: number;
  duplicate?: boolean;
  /** A background pass: events deleted, or bytes given back to the file system (also when cancelled part way). */
  count?: number;
  cancelled?: boolean;
  error?: string;
}

/**
 * The event log with the server's own appends (served impressions) committed on a writer thread. Each commit
 * fsyncs (synchronous=FULL) and inserts into six indexes: on the event loop that blocked every search for 1-5 ms
 * per batch under load. Validation, feature-row checks and packing stay here (EventsRepo.rows), so a bad event
 * fails exactly as before; the thread only inserts. A batch holding an id already stored, or a thread that failed,
 * falls back to EventsRepo.append here (idempotent), which keeps the duplicate and conflict rules. Client events
 * (POST /v1/feedback) are appended here as before: their answer waits for the commit anyway.
 */
export class OffThreadEventLog implements FeedbackEventLog {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private nextId = 0;
  private inFlight = new Set<Promise<unknown>>();
  /** Batches committed by the thread, and batches appended here instead (duplicates, a failed thread). */
  readonly counts = { thread: 0, inline: 0 };

  constructor(
    private readonly repo: EventsRepo,
    private readonly file: string,
  ) {}

  async append(events: FeedbackEventInput[], opts: AppendOptions = {}): Promise<AppendResult> {
    if (opts.origin !== 'server') return this.repo.append(events, opts);
    const now = opts.now ?? Date.now();
    const rows = this.repo.rows(events, { ...opts, now });
    const sent = this.post({ rows: rows.map((r) => r.row) satisfies EventInsertRow[] });
    this.inFlight.add(sent);
    const reply = await sent.finally(() => this.inFlight.delete(sent));
    if (reply.inserted !== undefined) {
      this.counts.thread++;
      return { inserted: reply.inserted, duplicates: 0 };
    }
    this.counts.inline++;
    return this.repo.append(events, { ...opts, now });
  }

  /** Waits for appends on the thread, so the user's impressions already sent are deleted too. */
  async deleteUser(userId: string): Promise<number> {
    await Promise.allSettled([...this.inFlight]);
    return this.repo.deleteUser(userId);
  }

  /**
   * Deletes the events received before `cutoff` (epoch ms) on the writer thread, in batches with the server's
   * appends in between, so neither the event loop nor the impressions wait for a long pass, pausing after each batch
   * so the pass uses at most `duty` of one core (default PRUNE_DUTY). Resolves with the count deleted; rejects when
   * the thread failed (what it deleted before stays deleted).
   */
  async pruneReceivedBefore(
    cutoff: number,
    o: { batch?: number; duty?: number } = {},
  ): Promise<number> {
    const duty = checkDuty(o.duty);
    return this.pass(
      { prune: { cutoff, batch: o.batch ?? PRUNE_BATCH, duty } },
      'event retention pass',
    );
  }

  /**
   * Gives the pages that pruning freed back to the file system, on the writer thread with the appends in between and
   * the same duty as a retention pass. Resolves with the bytes given back (0 for a file from before incremental
   * auto-vacuum; see reclaimFreePages).
   */
  async reclaimFreePages(o: { duty?: number } = {}): Promise<number> {
    return this.pass({ reclaim: { duty: checkDuty(o.duty) } }, 'reclaiming free pages');
  }

  /** Runs a background pass on the thread (close() waits for it); resolves with its count, rejects if it failed. */
  private async pass(message: object, what: string): Promise<number> {
    const sent = this.post(message);
    this.inFlight.add(sent);
    const reply = await sent.finally(() => this.inFlight.delete(sent));
    if (reply.count === undefined || reply.error)
      throw new Error(`${what} failed: ${reply.error ?? 'no answer'}`);
    return reply.count;
  }

  /** Stops the thread once its appends are done (call before closing the database); a retention pass stops early. */
  async close(): Promise<void> {
    this.worker?.postMessage({ cancelPrune: true });
    await Promise.allSettled([...this.inFlight]);
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private post(message: object): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      try {
        const w = this.worker ?? this.start();
        w.ref(); // an append in flight keeps the process alive until it is committed
        w.postMessage({ id, ...message });
      } catch (e) {
        this.waiting.delete(id);
        resolve({ id, error: String(e) });
      }
    });
  }

  private start(): Worker {
    const script = fileURLToPath(new URL('./events-writer-worker.mjs', import.meta.url));
    const w = new Worker(script, { workerData: { file: this.file, sql: INSERT_EVENT_SQL } });
    w.on('message', (r: Reply) => {
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
      if (this.waiting.size === 0) w.unref();
    });
    const gone = (err?: unknown): void => {
      if (this.worker === w) this.worker = undefined;
      // Appends in flight on a dead thread are redone here (a committed one is found as a duplicate).
      for (const [id, resolve] of this.waiting) resolve({ id, error: String(err ?? 'exited') });
      this.waiting.clear();
    };
    w.on('error', gone);
    w.on('exit', () => gone());
    // After the listeners: adding a 'message' listener refs a worker again.
    w.unref(); // an idle writer never keeps the process alive
    this.worker = w;
    return w;
  }
}

/** A pass's share of one core, PRUNE_DUTY unless given. */
function checkDuty(duty = PRUNE_DUTY): number {
  if (!(duty > 0 && duty <= 1)) throw new RangeError('duty must be in (0, 1]');
  return duty;
}
