// Preloaded into every worker thread of a process measured by bench/latency (see thread-cpu.ts): posts this
// thread's OS thread id with its Node thread id, so per-thread CPU can be reported by worker script.
import { readlinkSync } from 'node:fs';
import { BroadcastChannel, threadId } from 'node:worker_threads';

try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  const channel = new BroadcastChannel('chorus-bench-thread-ids');
  channel.postMessage({ threadId, tid });
  channel.close();
} catch {
  // not Linux: no per-thread figures
}
