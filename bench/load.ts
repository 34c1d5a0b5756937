// bench/load: bounded load on a real `chorus serve` over 127.0.0.1 — mixed /v1/search and /v1/feedback with
// autocannon — printing errors, timeouts, p50/p99, QPS (and its ratio to GET /healthz measured in the same run),
// the server's RSS after seeding, after warm-up and after the run, and whether every acknowledged feedback
// event is in the event log. Writes bench/results/load.json.
// Usage: npx tsx bench/load.ts [--connections 64] [--duration 60] [--warmup 10] [--baseline 10] [--items 5000]
//        [--dim 64] [--feedback-share 0.3] [--timeout 10]
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from './load-run.js';

const { values: f } = parseArgs({
  options: {
    connections: { type: 'string', default: '64' },
    duration: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '10' },
    baseline: { type: 'string', default: '10' },
    items: { type: 'string', default: '5000' },
    dim: { type: 'string', default: '64' },
    'feedback-share': { type: 'string', default: '0.3' },
    timeout: { type: 'string', default: '10' },
  },
});

const report = await runLoad({
  connections: Number(f.connections),
  durationS: Number(f.duration),
  warmupS: Number(f.warmup),
  baselineS: Number(f.baseline),
  items: Number(f.items),
  dim: Number(f.dim),
  feedbackShare: Number(f['feedback-share']),
  timeoutS: Number(f.timeout),
  log: (line) => console.log(`load: ${line}`),
});

const m = report.mixed;
const b = report.baselineHealthz;
console.log('');
console.log(
  `baseline GET /healthz  ${b.qps} req/s  p50 ${b.p50Ms} ms  p99 ${b.p99Ms} ms  errors ${b.errors}  timeouts ${b.timeouts}`,
);
console.log(
  `mixed search+feedback  ${m.qps} req/s (${report.qpsVsHealthz}x healthz)  p50 ${m.p50Ms} ms  p90 ${m.p90Ms} ms  p99 ${m.p99Ms} ms  max ${m.maxMs} ms`,
);
console.log(
  `  requests ${m.requests}: ${m.searches} searches (${m.searchOk} ok), ${m.feedbackPosts} feedback posts; errors ${m.errors}, timeouts ${m.timeouts}, non-2xx ${m.non2xx}`,
);
console.log(
  `server RSS  after seed ${report.rssMb.afterSeed} MB  after warm-up ${report.rssMb.afterWarmup} MB  after run ${report.rssMb.afterRun} MB`,
);
console.log(
  `machine load average (1 min)  before ${report.loadAverage.before}  after ${report.loadAverage.after}  on ${os.cpus().length} cores`,
);
console.log(
  `feedback  acknowledged ${report.feedback.acknowledged}  stored ${report.feedback.stored}  missing ${report.feedback.missing}`,
);

const out = path.resolve(import.meta.dirname, 'results/load.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify({ ...report, at: new Date().toISOString(), node: process.version }, null, 2) +
    '\n',
);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
if (report.feedback.missing > 0 || m.errors > 0) process.exitCode = 1;
