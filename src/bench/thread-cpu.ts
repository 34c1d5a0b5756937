import { readdirSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import wt from 'node:worker_threads';

/**
 * CPU time per thread of a serving process, grouped by what the thread does. Node 20 names every thread "node",
 * so JS worker threads are told apart by their script: `labelWorkerThreads()` (called in the serving process
 * before it starts any worker) makes each new Worker report its OS thread id (read from /proc/thread-self in a
 * preload) with its script's file name. Threads with their own names (LanceDB's tokio pool, ONNX) keep them;
 * the remaining unnamed ones are V8's platform threads (GC, compilation) and libuv's pool.
 */
export type ThreadLabels = Record<string, string>;

const CHANNEL = 'chorus-bench-thread-ids';
const TAG = new URL('./thread-tag.mjs', import.meta.url).href;

/** Starts labelling worker threads; returns a reader of the labels so far (OS thread id → script file name). */
export function labelWorkerThreads(): () => ThreadLabels {
  const names = new Map<number, string>();
  const labels: ThreadLabels = {};
  const Original = wt.Worker;
  class LabelledWorker extends Original {
    constructor(file: string | URL, options: wt.WorkerOptions = {}) {
      // The preload runs first in the worker thread and posts its OS thread id; the worker's own code is unchanged.
      super(file, {
        ...options,
        execArgv: [...(options.execArgv ?? process.execArgv), '--import', TAG],
      });
      names.set(
        this.threadId,
        options.eval ? 'eval' : path.basename(String(file)).replace(/\.[cm]?[jt]s$/, ''),
      );
    }
  }
  wt.Worker = LabelledWorker as typeof wt.Worker;
  syncBuiltinESMExports();
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (e) => {
    const { threadId, tid } = (e as MessageEvent<{ threadId: number; tid: number }>).data;
    labels[String(tid)] = names.get(threadId) ?? 'worker';
  };
  (channel as unknown as { unref?: () => void }).unref?.();
  return () => ({ ...labels });
}

/** One thread's schedstat: nanoseconds on CPU, nanoseconds runnable but waiting for one (0 where unknown). */
export interface ThreadTimes {
  comm: string;
  ns: number;
  waitNs?: number;
}

/** Nanoseconds on CPU and waiting for one per thread id of process `pid` (schedstat), with the thread's name. */
export function readThreadCpu(pid: number): Map<string, ThreadTimes> {
  const out = new Map<string, ThreadTimes>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // not Linux, or the process is gone
  }
  for (const tid of tids) {
    try {
      const [ns, waitNs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')
        .split(' ')
        .map(Number);
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(tid, { comm, ns: ns!, waitNs: waitNs ?? 0 });
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return out;
}

/** The group a thread's CPU is reported under. */
export function threadGroup(tid: string, pid: number, comm: string, labels: ThreadLabels): string {
  if (tid === String(pid)) return 'main';
  const script = labels[tid];
  if (script === 'search-worker') return 'searchWorkers';
  if (script === 'events-writer-worker') return 'eventsWriter';
  if (script === 'bm25-read-worker') return 'lexicalSearch';
  if (script !== undefined) return 'otherWorkers';
  if (comm === 'node') return 'v8AndLibuv';
  return 'native';
}

/**
 * CPU ms per request by thread group between two readings (threads that started in between count from 0; ones
 * that ended are lost, which is why phases should not start or stop workers). Rounded to 0.01 ms. Beside the
 * groups (not in the total): `mainWaitedForCpu`, the ms per request the event loop's thread was runnable but not
 * running (the 2-core machine busy with the other threads and the load generator: time every request on the event
 * loop waits too).
 */
export function cpuPerRequest(
  before: Map<string, ThreadTimes>,
  after: Map<string, ThreadTimes>,
  pid: number,
  labels: ThreadLabels,
  requests: number,
): Record<string, number> {
  const ms: Record<string, number> = {};
  const searchThreads: number[] = [];
  for (const [tid, t] of after) {
    const d = (t.ns - (before.get(tid)?.ns ?? 0)) / 1e6;
    const g = threadGroup(tid, pid, t.comm, labels);
    ms[g] = (ms[g] ?? 0) + d;
    if (g === 'searchWorkers') searchThreads.push(d);
  }
  const total = Object.values(ms).reduce((a, b) => a + b, 0);
  // Beside the group (not in the total): how the search work spread over the threads (one thread takes it all
  // while the pool is narrowed, see SearchPool).
  const spread =
    searchThreads.length > 1 ? { busiestSearchWorker: Math.max(...searchThreads) } : {};
  const main = after.get(String(pid));
  const waited =
    main?.waitNs !== undefined
      ? { mainWaitedForCpu: (main.waitNs - (before.get(String(pid))?.waitNs ?? 0)) / 1e6 }
      : {};
  const out: Record<string, number> = {};
  for (const [g, v] of Object.entries({ total, ...ms, ...spread, ...waited }))
    out[g] = Math.round((v / Math.max(1, requests)) * 100) / 100;
  return out;
}
