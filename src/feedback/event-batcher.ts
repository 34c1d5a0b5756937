import type { FeedbackEvent } from '../domain/feedback.js';

/**
 * Group commit for events logged on the serving path (impressions): events queued in the same tick are
 * written in one transaction, so concurrent searches share one fsync instead of paying one each, and the
 * response does not wait for the disk. `flush()` waits for everything queued (shutdown, tests).
 */
export class EventBatcher {
  private pending: FeedbackEvent[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(
    private readonly sink: (events: FeedbackEvent[]) => Promise<unknown>,
    private readonly onError: (e: unknown) => void = () => {},
    private readonly maxBatch = 500,
  ) {}

  add(event: FeedbackEvent): void {
    this.pending.push(event);
    if (this.pending.length >= this.maxBatch) this.drain();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Resolves once every event queued so far is committed (or its failure reported). */
  async flush(): Promise<void> {
    this.drain();
    await this.inFlight;
  }

  private drain(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    // Chained: batches commit in order, one at a time.
    this.inFlight = this.inFlight.then(() => this.sink(batch).then(() => undefined, this.onError));
  }
}
