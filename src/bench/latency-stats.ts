import { percentile } from './latency-data.js';

/** What one phase measured: every request's latency and every response's stage timings (ms). */
export interface RawPhase {
  requests: number;
  seconds: number;
  errors: number;
  latencies: number[];
  stages: Record<string, number[]>;
  /** CPU time (ms, user + system) of the process serving the phase (this process: server and, raw, its loops). */
  cpuMs?: number;
  /** CPU time (ms) of the load generator's process (API phases). */
  clientCpuMs?: number;
}

export interface PhaseResult {
  kind: 'raw' | 'api';
  requests: number;
  seconds: number;
  errors: number;
  qps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Per-stage p50/p99 (ms) from the responses' own timings. */
  stages: Record<string, { p50: number; p99: number }>;
  /** 1-minute load average at the start and the end of the phase. */
  loadAverage: [number, number];
  /** CPU ms per request: the serving process (all its threads) and the load generator (API only). */
  cpuMsPerRequest?: { server: number; client?: number };
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function summarise(
  kind: 'raw' | 'api',
  p: RawPhase,
  loadAverage: [number, number],
): PhaseResult {
  const sorted = [...p.latencies].sort((a, b) => a - b);
  const stages: PhaseResult['stages'] = {};
  for (const [stage, values] of Object.entries(p.stages)) {
    const v = [...values].sort((a, b) => a - b);
    stages[stage] = { p50: r2(percentile(v, 50)), p99: r2(percentile(v, 99)) };
  }
  return {
    kind,
    requests: p.requests,
    seconds: r2(p.seconds),
    errors: p.errors,
    qps: r2(p.latencies.length / (p.seconds || 1)),
    p50: r2(percentile(sorted, 50)),
    p95: r2(percentile(sorted, 95)),
    p99: r2(percentile(sorted, 99)),
    stages,
    loadAverage: [r2(loadAverage[0]), r2(loadAverage[1])],
    ...(p.cpuMs !== undefined && p.requests > 0
      ? {
          cpuMsPerRequest: {
            server: r2(p.cpuMs / p.requests),
            ...(p.clientCpuMs !== undefined ? { client: r2(p.clientCpuMs / p.requests) } : {}),
          },
        }
      : {}),
  };
}
