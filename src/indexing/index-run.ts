import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Encoder } from '../../indexers/encoder.js';
import type { CheckpointStore } from '../jobs/checkpoint-store.js';
import type { IndexBatchPayload } from '../jobs/definitions/index-batch.js';
import type { JobOutcome, JobQueue, NewJob } from '../jobs/queue.js';
import { waitForJobs } from '../jobs/wait-for-jobs.js';
import type { VectorStore } from '../stores/vector-store.js';
import { discoverInput } from './discover-input.js';
import { ensureCollection } from './ensure-collection.js';
import { writeErrorReport } from './error-report.js';
import type { BatchResult, ItemFailure } from './item-indexer.js';
import type { ProgressState } from './progress.js';
import type { SourceItem } from './source-item.js';

const RUNS_NAMESPACE = 'index-runs';

interface RunRecord {
  runId: string;
  collection: string;
  input: string;
  startedAt: number;
}

export interface IndexRunDeps {
  store: VectorStore;
  encoders: Encoder[];
  queue: JobQueue;
  /** Remembers unfinished runs so a rerun resumes the same jobs. */
  checkpoints: CheckpointStore;
  /** Folder for error reports. */
  reportDir: string;
}

export interface IndexRunOptions {
  input: string;
  collection: string;
  concurrency?: number;
  batchSize?: number;
  /** Stop taking batches, let the in-flight ones finish, keep the run resumable. */
  signal?: AbortSignal;
  onProgress?: (s: ProgressState) => void;
  onStart?: (info: {
    runId: string;
    total: number;
    resumed: boolean;
    created: boolean;
    ignored: string[];
  }) => void;
}

export interface IndexSummary {
  runId: string;
  collection: string;
  input: string;
  total: number;
  indexed: number;
  skipped: number;
  failed: number;
  /** Items sent through the encoders by this invocation (skipped items never are). */
  encoded: number;
  /** Items finished by an earlier, interrupted attempt of this run. */
  resumedItems: number;
  resumed: boolean;
  interrupted: boolean;
  elapsedMs: number;
  /** Items finished per second by this invocation. */
  itemsPerSecond: number;
  errorReport?: string;
}

/**
 * `chorus index` without the terminal: discover items, create the collection if missing, enqueue one
 * index-batch job per batch, run them, and tally a summary with an error report. A run interrupted by
 * Ctrl-C or kill -9 is resumed by calling this again with the same input and collection: its job ids
 * are the same, finished batches are not redone, and items stored by a batch that was cut short are
 * skipped by their content hash instead of being encoded again.
 */
export async function indexDirectory(
  deps: IndexRunDeps,
  opts: IndexRunOptions,
): Promise<IndexSummary> {
  const started = Date.now();
  const discovered = await discoverInput(opts.input);
  const { created } = await ensureCollection(deps.store, opts.collection, deps.encoders);

  const runKey = createHash('sha256')
    .update(`${opts.collection}\0${discovered.input}`)
    .digest('hex')
    .slice(0, 24);
  const previous = (await deps.checkpoints.get(RUNS_NAMESPACE, runKey)) as RunRecord | undefined;
  const run: RunRecord = previous ?? {
    runId: randomBytes(6).toString('hex'),
    collection: opts.collection,
    input: discovered.input,
    startedAt: started,
  };
  if (!previous) await deps.checkpoints.put(RUNS_NAMESPACE, runKey, run);

  const batches = toBatches(
    run.runId,
    opts.collection,
    discovered.root,
    discovered.items,
    opts.batchSize ?? 64,
  );
  const byId = new Map(batches.map((b) => [b.jobId, b]));
  const total = discovered.items.length;
  const earlier = await deps.queue.outcomes(batches.map((b) => b.jobId));
  const tally = new Tally();
  let resumedItems = 0;
  for (const o of earlier.values()) {
    if (o.state !== 'completed') continue; // failed batches are retried
    tally.add(o, byId.get(o.id)!.payload.items);
    resumedItems += byId.get(o.id)!.payload.items.length;
  }
  const tallyBefore = tally.snapshot();
  opts.onStart?.({
    runId: run.runId,
    total,
    resumed: earlier.size > 0 || !!previous,
    created,
    ignored: discovered.ignored,
  });

  const todo = batches.filter((b) => earlier.get(b.jobId)?.state !== 'completed');
  const progress = () => {
    const s = tally.snapshot();
    opts.onProgress?.({
      total,
      done: s.items - tallyBefore.items,
      failed: s.failed,
      resumed: resumedItems,
    });
  };
  progress();
  if (todo.length > 0) {
    await deps.queue.addMany(todo);
    await deps.queue.startWorker({ concurrency: opts.concurrency ?? 2 });
    const onOutcome = (o: JobOutcome) => {
      const b = byId.get(o.id);
      if (!b) return;
      tally.add(o, b.payload.items);
      progress();
    };
    const seen = await waitForJobs(
      deps.queue,
      todo.map((b) => b.jobId),
      { onOutcome, signal: opts.signal },
    );
    if (opts.signal?.aborted) {
      // Graceful stop: the batches in flight finish and are recorded; the rest stay queued for the resume.
      await deps.queue.stopWorker();
      const late = await deps.queue.outcomes(
        todo.map((b) => b.jobId).filter((id) => !seen.has(id)),
      );
      for (const o of late.values()) onOutcome(o);
    }
  }

  const s = tally.snapshot();
  const interrupted = s.items < total;
  const reportFile = path.join(deps.reportDir, `index-${opts.collection}-${run.runId}.jsonl`);
  const errorReport = writeErrorReport(reportFile, tally.failures.values());
  if (!interrupted) {
    await deps.checkpoints.delete(RUNS_NAMESPACE, [runKey]);
    // The in-process queue's records served their purpose; BullMQ keeps them for bull-board until retention.
    if (deps.queue.kind === 'in-process') await deps.queue.remove(batches.map((b) => b.jobId));
  }
  const elapsedMs = Date.now() - started;
  const doneNow = s.items - tallyBefore.items;
  return {
    runId: run.runId,
    collection: opts.collection,
    input: discovered.input,
    total,
    indexed: s.indexed,
    skipped: s.skipped,
    failed: tally.failures.size,
    encoded: s.encoded - tallyBefore.encoded,
    resumedItems,
    resumed: earlier.size > 0 || !!previous,
    interrupted,
    elapsedMs,
    itemsPerSecond: doneNow / Math.max(0.001, elapsedMs / 1000),
    ...(errorReport ? { errorReport } : {}),
  };
}

type Batch = NewJob & { payload: IndexBatchPayload };

/** Job ids name the run and the batch's content, so a rerun of the same input maps onto the same jobs. */
function toBatches(
  runId: string,
  collection: string,
  root: string,
  items: SourceItem[],
  size: number,
): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < items.length; i += size) {
    const slice = items.slice(i, i + size);
    const fp = createHash('sha256').update(JSON.stringify(slice)).digest('hex').slice(0, 16);
    out.push({
      name: 'index-batch',
      jobId: `${runId}-${fp}`,
      payload: { collection, root, items: slice },
    });
  }
  return out;
}

class Tally {
  indexed = 0;
  skipped = 0;
  encoded = 0;
  items = 0;
  readonly failures = new Map<string, ItemFailure>();

  add(o: JobOutcome, items: SourceItem[]): void {
    this.items += items.length;
    if (o.state === 'completed') {
      const r = o.result as BatchResult;
      this.indexed += r.indexed;
      this.skipped += r.skipped;
      this.encoded += r.encoded;
      for (const f of r.failed) this.failures.set(f.id, f);
    } else {
      // The whole batch failed after its retries (e.g. the store was down): every item in it failed.
      for (const it of items)
        this.failures.set(it.id, {
          id: it.id,
          path: it.origin,
          code: 'JOB_FAILED',
          reason: o.reason,
        });
    }
  }

  snapshot() {
    return {
      indexed: this.indexed,
      skipped: this.skipped,
      encoded: this.encoded,
      items: this.items,
      failed: this.failures.size,
    };
  }
}
