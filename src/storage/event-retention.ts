/**
 * A retention pass: deletes the events received before `cutoff` (epoch ms) and resolves with how many; `stopped`
 * turns true once retention is stopped (a long pass ends between batches, the next one goes on).
 */
export type PruneEvents = (cutoff: number, stopped: () => boolean) => Promise<number>;

export interface EventRetentionOptions {
  /** Events are kept this long after they were received (ms); 0 keeps them forever (no pass ever runs). */
  keepMs: number;
  prune: PruneEvents;
  /** Time between passes (default one hour). */
  intervalMs?: number;
  /** Delay of the first pass after start (default 30 s: a server's start-up work goes first). */
  firstPassMs?: number;
  now?: () => number;
  /** A pass that deleted something: how many, and the cutoff it used. */
  onPruned?: (deleted: number, cutoff: number) => void;
  onError?: (e: unknown) => void;
}

const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Runs retention passes over the event log on a timer: every served impression adds a row (~2 KB on disk with its
 * feature rows), so a log nobody prunes grows without bound. One pass at a time; the timers never keep the process alive.
 */
export class EventRetention {
  /** Events deleted since start (the /metrics gauge). */
  readonly stats = { deleted: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly o: EventRetentionOptions) {
    if (!(o.keepMs >= 0)) throw new RangeError('keepMs must be 0 (keep forever) or positive');
  }

  /** Whether passes run at all (a positive retention). */
  get enabled(): boolean {
    return this.o.keepMs > 0;
  }

  start(): void {
    if (!this.enabled || this.stopped || this.timer) return;
    this.schedule(this.o.firstPassMs ?? 30_000);
  }

  /** One pass now (waits for a running one instead of starting a second). Resolves with the events deleted. */
  runOnce(): Promise<number> {
    if (!this.enabled) return Promise.resolve(0);
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** No more passes; waits for a running one (its caller cancels it by closing the log). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => 0);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runOnce()
        .catch((e: unknown) => this.o.onError?.(e))
        .finally(() => {
          if (!this.stopped) this.schedule(this.o.intervalMs ?? HOUR_MS);
        });
    }, ms);
    this.timer.unref();
  }

  private async pass(): Promise<number> {
    const cutoff = (this.o.now ?? Date.now)() - this.o.keepMs;
    const deleted = await this.o.prune(cutoff, () => this.stopped);
    this.stats.deleted += deleted;
    if (deleted > 0) this.o.onPruned?.(deleted, cutoff);
    return deleted;
  }
}
