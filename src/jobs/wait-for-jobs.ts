import type { JobOutcome, JobQueue } from './queue.js';

export interface WaitOptions {
  /** Called once per job as its final outcome becomes known (including outcomes recorded earlier). */
  onOutcome?: (o: JobOutcome) => void;
  /** Stop waiting (the caller then stops the worker). */
  signal?: AbortSignal;
  /** Safety poll for outcomes recorded by other processes' workers. */
  pollMs?: number;
}

/**
 * Resolves when every job id has a final outcome (or the signal aborts). Outcomes come from this
 * process's worker as they happen, and from a periodic look-up for jobs other workers finished.
 */
export async function waitForJobs(
  queue: JobQueue,
  jobIds: string[],
  opts: WaitOptions = {},
): Promise<Map<string, JobOutcome>> {
  const pending = new Set(jobIds);
  const done = new Map<string, JobOutcome>();
  let wake: () => void = () => {};
  const record = (o: JobOutcome) => {
    if (!pending.delete(o.id)) return;
    done.set(o.id, o);
    opts.onOutcome?.(o);
    if (pending.size === 0) wake();
  };
  const unsubscribe = queue.onOutcome(record);
  const onAbort = () => wake();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    for (const o of (await queue.outcomes([...pending])).values()) record(o);
    while (pending.size > 0 && !opts.signal?.aborted) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, opts.pollMs ?? 5000).unref();
      });
      if (pending.size === 0 || opts.signal?.aborted) break;
      // Bounded look-up: the oldest pending jobs are the ones another worker may have finished.
      for (const o of (await queue.outcomes([...pending].slice(0, 500))).values()) record(o);
    }
    return done;
  } finally {
    unsubscribe();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
