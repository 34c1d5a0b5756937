/** Where a training run started from the admin UI stands; the page polls it. */
export interface TrainingStatus {
  collection: string;
  state: 'queued' | 'training' | 'done' | 'failed';
  startedAt: number;
  finishedAt?: number;
  version?: string;
  error?: string;
}

/**
 * Runs one training per collection at a time, off the request (a fit can take a while, so the request answers 202
 * and the UI polls; the registry fits in a worker thread). States: queued -> training -> done | failed.
 */
export class TrainingTracker {
  private readonly runs = new Map<string, TrainingStatus>();

  constructor(private readonly now: () => number = Date.now) {}

  status(collection: string): TrainingStatus | undefined {
    return this.runs.get(collection);
  }

  /** Starts `train` unless one is already running for the collection; returns the status either way. */
  start(collection: string, train: () => { version: string } | Promise<{ version: string }>): TrainingStatus {
    const current = this.runs.get(collection);
    if (current && (current.state === 'queued' || current.state === 'training')) return current;
    const s: TrainingStatus = { collection, state: 'queued', startedAt: this.now() };
    this.runs.set(collection, s);
    // setTimeout, not setImmediate: the 202 reaches the client (and its first poll sees `queued`) before the CPU-bound fit.
    setTimeout(() => {
      s.state = 'training';
      setTimeout(() => {
        void Promise.resolve()
          .then(train)
          .then(
            (r) => {
              s.version = r.version;
              s.state = 'done';
            },
            (e: unknown) => {
              s.state = 'failed';
              s.error = e instanceof Error ? e.message : String(e);
            },
          )
          .finally(() => {
            s.finishedAt = this.now();
          });
      }, 50);
    }, 50);
    return s;
  }
}
