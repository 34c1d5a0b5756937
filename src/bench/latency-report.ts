import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PhaseResult } from './latency-stats.js';

export interface LatencyResult {
  /** What the figures ran on. */
  data: string;
  items: number;
  vectors: Record<string, number>;
  connections: number;
  candidates: number;
  limit: number;
  warmupSeconds: number;
  ingestSeconds: number;
  /** Absorbing the rows still pending after the load into the graphs, before any measurement (0 when reused). */
  indexSeconds?: number;
  cpus: number;
  /** Alternating raw / API phases, in the order they ran. */
  phases: PhaseResult[];
  /** All raw phases together: the engine called directly in the server process, same queries and concurrency. */
  raw: PhaseResult;
  /** All API phases together: /v1/search over HTTP, load from a separate process. */
  api: PhaseResult;
  /** recall@10 per vector list of the store's search against an exact scan (100 of the queries). */
  recallAt10?: Record<string, number>;
  /**
   * Graph-search worker threads of the store, the searches they answered over the whole run and the messages those
   * took (a request's vector lists go together).
   */
  searchThreads?: { threads: number; searches: number; messages?: number };
  targets: { p99UnderMs: number; minQps: number; minRecallAt10?: number };
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
  out(`  API / raw throughput ${(r.api.qps / r.raw.qps).toFixed(2)}x`);
  const cpu = (p: PhaseResult) =>
    p.cpuMsPerRequest
      ? `server ${p.cpuMsPerRequest.server}${p.cpuMsPerRequest.client !== undefined ? `, load generator ${p.cpuMsPerRequest.client}` : ''}`
      : 'not measured';
  out(`  CPU ms per request: API ${cpu(r.api)}; raw ${cpu(r.raw)}`);
  if (r.searchThreads)
    out(
      `  search threads: ${r.searchThreads.threads}, ${r.searchThreads.searches} graph searches in ${r.searchThreads.messages ?? '?'} messages`,
    );
  out(
    `  targets: p99 <= ${r.targets.p99UnderMs} ms ${r.api.p99 <= r.targets.p99UnderMs ? 'met' : 'NOT met'}; >= ${r.targets.minQps} req/s ${r.api.qps >= r.targets.minQps ? 'met' : 'NOT met'}`,
  );
  out(
    `  API stages p50/p99 ms: ${Object.entries(r.api.stages)
      .map(([s, v]) => `${s} ${v.p50}/${v.p99}`)
      .join(', ')}`,
  );
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'latency.json');
  let runs: Record<string, unknown> = {};
  try {
    const previous = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    // Older files held one run at the top level; start afresh from those.
    if (!('items' in previous)) runs = previous;
  } catch {
    runs = {};
  }
  runs[String(r.items)] = { ...r, at: new Date().toISOString() };
  writeFileSync(file, JSON.stringify(runs, null, 2) + '\n');
}
