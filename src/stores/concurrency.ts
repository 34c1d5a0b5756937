import os from 'node:os';

/**
 * A counting semaphore for CPU-bound store work (LanceDB reads, exact scans): about one task per core at a time, so
 * eight clients queue in order instead of oversubscribing two cores and all finishing late.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number = defaultLimit()) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`limiter size must be a positive integer, got ${limit}`);
  }

  async run<T>(fn: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal!.reason as Error);
        };
        signal?.throwIfAborted();
        signal?.addEventListener('abort', abort, { once: true });
        this.waiting.push(go);
      });
    } else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes straight to the next waiter
      else this.active--;
    }
  }

  get pending(): number {
    return this.waiting.length;
  }
}

function defaultLimit(): number {
  return Math.max(
    1,
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
  );
}
