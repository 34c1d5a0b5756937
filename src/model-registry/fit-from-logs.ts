import { Worker } from 'node:worker_threads';
import { ChorusError, ERROR_TABLE, type ErrorCode } from '../errors.js';
import { buildClickthroughs, type TrainingSetOptions } from '../feedback/training-set.js';
import { type Clickthrough } from '../domain/clickthrough.js';
import { openChorusDb, type ChorusDb } from '../storage/index.js';
import type { ModelJSON } from '../../rerankers/model/fusion-model.js';
import {
  trainFromClickthroughs,
  type TrainFromLogsOptions,
} from '../../rerankers/train-from-logs.js';

export interface FitRequest extends TrainFromLogsOptions {
  collection: string;
  /** Only events in [from, to) (epoch ms). */
  from?: number;
  to?: number;
  trainingSet?: TrainingSetOptions;
}

/** What a fit hands back to the registry: plain data, so it can cross a worker-thread boundary. */
export interface FitResult {
  model: ModelJSON;
  metrics: Record<string, unknown> & { validationNdcg10: number; validationLists: number };
  /** Impression query ids of the held-out queries (kept beside the model for the promotion guard). */
  heldOutQueryIds: string[];
  /** Cross-fitted guard: each fold's impression query ids and the model fitted without them. */
  guardFolds?: { queryIds: string[]; model: ModelJSON }[];
  trainedFrom: number;
  trainedTo: number;
}

/** SQLite caps it at its compile-time maximum (2 GB by default). */
const BULK_READ_MMAP_BYTES = 2 ** 31;

/**
 * Reading the log for a fit: the collection's events in one streaming pass, server rows packed (no JSON arrays),
 * joined into clickthroughs. `report.untrainable` counts impressions whose rows could not be used.
 */
export function readClickthroughs(
  db: ChorusDb,
  req: FitRequest,
  report: { untrainable: number } = { untrainable: 0 },
): Clickthrough[] {
  // One pass over the whole log: SQLite maps the file instead of copying every page through its small page cache.
  const mmap = db.raw.pragma('mmap_size', { simple: true }) as number;
  db.raw.pragma(`mmap_size = ${BULK_READ_MMAP_BYTES}`);
  try {
    // Stored events keep their envelope (origin, validated spec): rows come from the server's own log first.
    const events = db.events.iteratePacked({
      collection: req.collection,
      from: req.from,
      to: req.to,
    });
    return buildClickthroughs(events, {
      dropUnclicked: false,
      ...req.trainingSet,
      report,
      eventIdsUnique: true,
    });
  } finally {
    db.raw.pragma(`mmap_size = ${mmap}`);
  }
}

/** The CPU-heavy half of training: the collection's logged events -> clickthroughs -> a fitted fusion model. */
export function fitFromLogs(db: ChorusDb, req: FitRequest): FitResult {
  const report = { untrainable: 0 };
  const cts = readClickthroughs(db, req, report);
  const trained = trainFromClickthroughs(cts, req);
  return {
    model: trained.model.toJSON(),
    metrics: {
      ...trained.metrics,
      untrainableImpressions: report.untrainable,
      propensities: trained.propensities,
      propensitySource: trained.propensitySource,
      ...(trained.propensityNote ? { propensityNote: trained.propensityNote } : {}),
    },
    heldOutQueryIds: trained.heldOutQueryIds,
    ...(trained.guardFolds
      ? {
          guardFolds: trained.guardFolds.map((f) => ({
            queryIds: f.queryIds,
            model: f.model.toJSON(),
          })),
        }
      : {}),
    trainedFrom: trained.trainedFrom,
    trainedTo: trained.trainedTo,
  };
}

/** Worker-side entry: its own SQLite connection (WAL lets it read while the server writes). */
export function fitInWorker(data: { dataDir: string; req: FitRequest }): FitResult {
  const db = openChorusDb(data.dataDir);
  try {
    return fitFromLogs(db, data.req);
  } finally {
    db.close();
  }
}

type WorkerReply =
  { ok: true; result: FitResult } | { ok: false; error: { message: string; code?: string } };

/**
 * Runs fitFromLogs in a worker thread, so a server keeps answering searches while a model trains
 * (a fit on a large log takes minutes of CPU). Errors come back as the same ChorusError codes.
 */
export function fitInWorkerThread(
  dataDir: string,
  req: FitRequest,
  signal?: AbortSignal,
): Promise<FitResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const worker = new Worker(new URL('./fit-worker.mjs', import.meta.url), {
      workerData: { dataDir, req },
    });
    let settled = false;
    // Cancelling stops the fit where it is: the worker thread is terminated, nothing is returned to register.
    const onAbort = () => {
      if (settled) return;
      settled = true;
      reject(cancelled());
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('exit', () => signal?.removeEventListener('abort', onAbort));
    worker.once('message', (reply: WorkerReply) => {
      if (settled) return;
      settled = true;
      if (reply.ok) resolve(reply.result);
      else {
        const code =
          reply.error.code && reply.error.code in ERROR_TABLE
            ? (reply.error.code as ErrorCode)
            : 'INTERNAL';
        reject(new ChorusError(code, reply.error.message));
      }
      void worker.terminate();
    });
    worker.once('error', (e) => {
      if (!settled)
        reject(
          new ChorusError('INTERNAL', `training worker failed: ${e.message}`, undefined, {
            cause: e,
          }),
        );
    });
    worker.once('exit', (code) => {
      if (!settled)
        reject(
          new ChorusError('INTERNAL', `training worker exited with code ${code} before answering`),
        );
    });
  });
}

function cancelled(): ChorusError {
  return new ChorusError('CONFLICT', 'training was cancelled', { cancelled: true });
}
