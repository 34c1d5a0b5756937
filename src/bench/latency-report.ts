import { recordRun } from './results-file.js';
import type { PhaseResult } from './latency-stats.js';
import { stallLine } from './loop-stalls.js';

export interface LatencyResult {
  /** What the figures ran on. */
  data: string;
  items: number;
  vectors: Record<string, number>;
  connections: number;
  candidates: number;
  limit: number;
  /** Least warm-up seconds per kind; warm-up goes on until throughput is steady (see `warmup`). */
  warmupSeconds: number;
  /** Each warm-up window's req/s, per kind, in order. */
  warmup?: { windowSeconds: number; raw: number[]; api: number[] };
  /** Bytes of the reused data directory read before the run (0: a fresh collection). */
  prereadBytes?: number;
  ingestSeconds: number;
  /** Absorbing the rows still pending after the load into the graphs, before any measurement (0 when reused). */
  indexSeconds?: number;
  cpus: number;
  /** Alternating raw / API phases, in the order they ran. */
  phases: PhaseResult[];
  /** All raw phases together: the engine called directly in the server process, same queries and concurrency. */
  raw: PhaseResult;
  /**
   * All API phases together: /v1/search over HTTP, load from a separate process, closed loop: `connections` clients
   * each send the next request when the previous answers, so this is throughput at saturation, and its latency is
   * about connections / throughput (Little's law), not the latency a user sees at a given traffic.
   */
  api: PhaseResult;
  /**
   * All fixed-rate phases together: `offeredRate` req/s over at most `connections` connections, latency from each
   * request's due time (corrected for coordinated omission, as wrk2): the latency at that traffic.
   */
  rate?: PhaseResult;
  /** recall@10 per vector list of the store's search against an exact scan (see recallQueries). */
  recallAt10?: Record<string, number>;
  /** Queries recallAt10 was measured over (the whole pool, 512; absent in older results: the first 100). */
  recallQueries?: number;
  /** Per vector list, the queries that found none of their true top 10 (misses here are all or nothing). */
  recallLostQueries?: Record<string, number>;
  /**
   * Graph-search worker threads of the store, the searches they answered over the whole run and the messages those
   * took (a request's vector lists go together).
   */
  searchThreads?: { threads: number; searches: number; messages?: number };
  targets: { p99UnderMs: number; minQps: number; minRecallAt10?: number };
}

/** "main 3.1, searchWorkers 5.2, ...": a thread-group breakdown, largest first, total last. */
export function threadLine(t: Record<string, number>): string {
  const { total, ...groups } = t;
  return (
    Object.entries(groups)
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([g, v]) => `${g} ${v.toFixed(2)}`)
      .join(', ') + (total !== undefined ? ` (total ${total.toFixed(2)})` : '')
  );
}

/** Prints the figures and records them in `latency.json` under the collection size (one entry per size). */
export function reportLatency(
  r: LatencyResult,
  resultsDir: string,
  out: (line: string) => void,
): void {
  const f = (x: number) => x.toFixed(1);
  out(
    `/v1/search at ${r.items} items, vectors ${Object.entries(r.vectors)
      .map(([n, d]) => `${n}:${d}`)
      .join(' ')} + BM25 text, ${r.connections} concurrent clients`,
  );
  for (const p of [r.api, r.raw]) {
    out(
      `  ${p.kind === 'api' ? 'API (HTTP, load from a child process)' : 'raw (engine direct, in process)    '}  ${f(p.qps)} req/s  p50 ${f(p.p50)} ms  p95 ${f(p.p95)} ms  p99 ${f(p.p99)} ms  (${p.requests} requests, ${p.errors} errors, load ${p.loadAverage.join(' -> ')})`,
    );
  }
  const byRound = (kind: string) =>
    r.phases
      .filter((p) => p.kind === kind)
      .map((p) => f(p.p99))
      .join(', ');
  out(
    `  p99 by round (ms): API ${byRound('api')}; raw ${byRound('raw')}${r.rate ? `; fixed rate ${byRound('rate')}` : ''}`,
  );
  if (r.rate)
    out(
      `  fixed rate ${r.rate.offeredRate} req/s offered (open loop, latency from each request's due time): ${f(r.rate.achievedRate ?? r.rate.qps)} req/s achieved, p50 ${f(r.rate.p50)} ms, p99 ${f(r.rate.p99)} ms (from actual send: p99 ${f(r.rate.service?.p99 ?? NaN)} ms; ${r.rate.requests} requests, ${r.rate.errors} errors)`,
    );
  out(`  API / raw throughput ${(r.api.qps / r.raw.qps).toFixed(2)}x`);
  const cpu = (p: PhaseResult) =>
    p.cpuMsPerRequest
      ? `server ${p.cpuMsPerRequest.server}${p.cpuMsPerRequest.client !== undefined ? `, load generator ${p.cpuMsPerRequest.client}` : ''}`
      : 'not measured';
  out(`  CPU ms per request: API ${cpu(r.api)}; raw ${cpu(r.raw)}`);
  for (const p of [r.api, r.raw, ...(r.rate ? [r.rate] : [])])
    if (p.cpuMsPerRequest?.threads)
      out(`    ${p.kind} server threads ms/req: ${threadLine(p.cpuMsPerRequest.threads)}`);
  for (const p of [r.api, r.raw, ...(r.rate ? [r.rate] : [])])
    if (p.stalls) out(`    ${p.kind} serving thread: ${stallLine(p.stalls)}`);
  out(
    `  other processes took ${[r.api, r.raw].map((p) => `${((p.othersCpuShare ?? NaN) * 100).toFixed(0)}%`).join(' / ')} of the CPU during API / raw phases`,
  );
  if (r.searchThreads)
    out(
      `  search threads: ${r.searchThreads.threads}, ${r.searchThreads.searches} graph searches in ${r.searchThreads.messages ?? '?'} messages`,
    );
  out(
    `  targets (closed loop): p99 <= ${r.targets.p99UnderMs} ms ${r.api.p99 <= r.targets.p99UnderMs ? 'met' : 'NOT met'}; >= ${r.targets.minQps} req/s ${r.api.qps >= r.targets.minQps ? 'met' : 'NOT met'}`,
  );
  if (r.rate)
    out(
      `  targets (fixed rate ${r.rate.offeredRate} req/s): p99 <= ${r.targets.p99UnderMs} ms ${r.rate.p99 <= r.targets.p99UnderMs ? 'met' : 'NOT met'}; rate held ${(r.rate.achievedRate ?? 0) >= 0.98 * (r.rate.offeredRate ?? Infinity) ? 'yes' : 'NO'}`,
    );
  out(
    `  API stages p50/p99 ms: ${Object.entries(r.api.stages)
      .map(([s, v]) => `${s} ${v.p50}/${v.p99}`)
      .join(', ')}`,
  );
  // Older files held one run at the top level; start afresh from those.
  recordRun(resultsDir, 'latency.json', String(r.items), r, (previous) => !('items' in previous));
}
