import os from 'node:os';
import { percentile } from './latency-data.js';
import { mergeStalls, type LoopStalls } from './loop-stalls.js';

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
  /** Fixed-rate phases: the rate offered and the answers per second achieved. */
  offeredRate?: number;
  achievedRate?: number;
  /** Fixed-rate phases: ms from each request's actual send to its answer (`latencies` count from its due time). */
  serviceTimes?: number[];
  /** Server CPU ms per request by thread group (see thread-cpu.ts), with `total`. */
  threads?: Record<string, number>;
  /** Steal time (ms, all CPUs) and the server's major page faults during the phase. */
  stealMs?: number;
  majorFaults?: number;
  /** CPU ms other processes (not the server, not the load generator) took on the machine during the phase. */
  othersCpuMs?: number;
  /** The serving thread's event-loop stalls and GC pauses during the phase. */
  stalls?: LoopStalls;
}

/**
 * raw: the engine called directly, closed loop; api: /v1/search, closed loop (each of `connections` clients waits
 * for its answer: this measures saturation, and latency is connections / throughput by Little's law); rate: a
 * fixed offered rate over HTTP, latency from each request's due time (corrected for coordinated omission).
 */
export type PhaseKind = 'raw' | 'api' | 'rate';

export interface PhaseResult {
  kind: PhaseKind;
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
  cpuMsPerRequest?: {
    server: number;
    client?: number;
    /** By thread group: main, searchWorkers, eventsWriter, otherWorkers, v8AndLibuv (GC, compiler, fs pool), native. */
    threads?: Record<string, number>;
  };
  /** Fixed-rate phases only. */
  offeredRate?: number;
  achievedRate?: number;
  /** Fixed-rate phases: p50/p99 of the time from actual send to answer (what a closed loop would have recorded). */
  service?: { p50: number; p99: number };
  stealMs?: number;
  majorFaults?: number;
  /** Share of the machine's CPU (0..1) other processes took during the phase: how quiet the box was. */
  othersCpuShare?: number;
  /** The serving thread's event-loop stalls and GC pauses (what decides a fixed-rate round's p99). */
  stalls?: LoopStalls;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

function quantiles(xs: number[]): { p50: number; p99: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: r2(percentile(s, 50)), p99: r2(percentile(s, 99)) };
}

export function summarise(
  kind: PhaseKind,
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
            ...(p.threads ? { threads: p.threads } : {}),
          },
        }
      : {}),
    ...(p.offeredRate !== undefined
      ? {
          offeredRate: p.offeredRate,
          achievedRate: r2(p.achievedRate ?? 0),
          service: quantiles(p.serviceTimes ?? []),
        }
      : {}),
    ...(p.stealMs !== undefined ? { stealMs: p.stealMs, majorFaults: p.majorFaults } : {}),
    ...(p.othersCpuMs !== undefined
      ? {
          othersCpuShare: r2(
            Math.max(0, p.othersCpuMs) / ((p.seconds || 1) * 1000 * os.cpus().length),
          ),
        }
      : {}),
    ...(p.stalls ? { stalls: p.stalls } : {}),
  };
}

/** Phases of one kind as one: requests, time and CPU summed, latencies and stage timings pooled. */
export function mergeRaw(of: RawPhase[]): RawPhase {
  const stages: Record<string, number[]> = {};
  for (const p of of)
    for (const [s, v] of Object.entries(p.stages)) for (const x of v) (stages[s] ??= []).push(x);
  const sum = (xs: (number | undefined)[]) =>
    xs.some((x) => x === undefined) ? undefined : xs.reduce<number>((a, x) => a + x!, 0);
  const requests = of.reduce((a, p) => a + p.requests, 0);
  const threads: Record<string, number> = {};
  // Per-request thread figures weighted by each phase's requests.
  for (const p of of)
    for (const [g, v] of Object.entries(p.threads ?? {}))
      threads[g] = (threads[g] ?? 0) + (v * p.requests) / Math.max(1, requests);
  return {
    requests,
    seconds: of.reduce((a, p) => a + p.seconds, 0),
    errors: of.reduce((a, p) => a + p.errors, 0),
    latencies: of.flatMap((p) => p.latencies),
    stages,
    cpuMs: sum(of.map((p) => p.cpuMs)),
    clientCpuMs: sum(of.map((p) => p.clientCpuMs)),
    ...(of.every((p) => p.threads)
      ? {
          threads: Object.fromEntries(
            Object.entries(threads).map(([g, v]) => [g, Math.round(v * 100) / 100]),
          ),
        }
      : {}),
    ...(of[0]?.offeredRate !== undefined
      ? {
          offeredRate: of[0].offeredRate,
          achievedRate:
            of.reduce((a, p) => a + p.latencies.length, 0) /
            Math.max(
              1e-9,
              of.reduce((a, p) => a + p.seconds, 0),
            ),
          serviceTimes: of.flatMap((p) => p.serviceTimes ?? []),
        }
      : {}),
    ...(of.every((p) => p.stealMs !== undefined)
      ? {
          stealMs: of.reduce((a, p) => a + p.stealMs!, 0),
          majorFaults: of.reduce((a, p) => a + (p.majorFaults ?? 0), 0),
        }
      : {}),
    ...(of.every((p) => p.othersCpuMs !== undefined)
      ? { othersCpuMs: of.reduce((a, p) => a + p.othersCpuMs!, 0) }
      : {}),
    ...(of.length > 0 && of.every((p) => p.stalls)
      ? { stalls: mergeStalls(of.map((p) => p.stalls!)) }
      : {}),
  };
}
