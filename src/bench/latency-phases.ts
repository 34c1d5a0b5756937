import { execFile } from 'node:child_process';
import { openSync, readSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RawPhase } from './latency-stats.js';

/** One query as the engine takes it (the HTTP body carries the same text and vectors as JSON arrays). */
export interface Query {
  text: string;
  vectors: Record<string, Float32Array>;
}

const CLIENT = fileURLToPath(new URL('./latency-client.mjs', import.meta.url));
const RATE_CLIENT = fileURLToPath(new URL('./latency-rate-client.mjs', import.meta.url));
const run = promisify(execFile);

/** `connections` concurrent loops calling the engine directly for `seconds` (closed loop, no HTTP). */
export async function rawPhase(
  queries: Query[],
  search: (q: Query) => Promise<{ timings: Record<string, number> }>,
  connections: number,
  seconds: number,
): Promise<RawPhase> {
  const latencies: number[] = [];
  const stages: Record<string, number[]> = {};
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const q = queries[next++ % queries.length]!;
        const s = performance.now();
        try {
          const r = await search(q);
          latencies.push(performance.now() - s);
          for (const [stage, ms] of Object.entries(r.timings)) (stages[stage] ??= []).push(ms);
        } catch {
          errors++;
        }
      }
    }),
  );
  return {
    requests: latencies.length + errors,
    seconds: (performance.now() - t0) / 1000,
    errors,
    latencies,
    stages,
  };
}

interface ClientOutput extends RawPhase {
  timeouts: number;
  non2xx: number;
  unparsable: number;
  cpuMs?: number;
  offeredRate?: number;
  achievedRate?: number;
  serviceTimes?: number[];
}

async function client(args: string[]): Promise<RawPhase> {
  const { stdout } = await run(process.execPath, args, { maxBuffer: 256 * 1024 * 1024 });
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as ClientOutput;
  return {
    requests: r.requests,
    seconds: r.seconds,
    latencies: r.latencies,
    stages: r.stages,
    errors: r.errors + r.timeouts + r.non2xx + r.unparsable,
    clientCpuMs: r.cpuMs,
    ...(r.offeredRate !== undefined
      ? {
          offeredRate: r.offeredRate,
          achievedRate: r.achievedRate,
          serviceTimes: r.serviceTimes,
        }
      : {}),
  };
}

/** Closed loop over HTTP: `connections` clients (autocannon in a child process), each waiting for its answer. */
export function apiPhase(
  url: string,
  bodiesFile: string,
  connections: number,
  seconds: number,
): Promise<RawPhase> {
  return client([CLIENT, url, bodiesFile, String(connections), String(seconds)]);
}

/**
 * Fixed rate over HTTP: `rate` requests per second offered over at most `connections` connections (a child
 * process, src/bench/latency-rate-client.mjs); latency from each request's due time (no coordinated omission).
 */
export function ratePhase(
  url: string,
  bodiesFile: string,
  connections: number,
  rate: number,
  seconds: number,
): Promise<RawPhase> {
  return client([RATE_CLIENT, url, bodiesFile, String(connections), String(rate), String(seconds)]);
}

/** The queries of a bodies file (the JSON strings the HTTP phases send), as the engine takes them. */
export function readQueries(bodiesFile: string): Query[] {
  const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8')) as string[];
  return bodies.map((b) => {
    const o = JSON.parse(b) as { text: string; vectors: Record<string, number[]> };
    return {
      text: o.text,
      vectors: Object.fromEntries(
        Object.entries(o.vectors).map(([k, v]) => [k, Float32Array.from(v)]),
      ),
    };
  });
}

/**
 * Reads every file under `dir` once, so a data copy made (or evicted) just before a run is in the page cache
 * before anything is timed, whichever process runs first. Returns the bytes read.
 */
export function prereadDir(dir: string): number {
  const buf = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const fd = openSync(p, 'r');
        try {
          for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) bytes += n;
        } finally {
          closeSync(fd);
        }
      }
    }
  };
  walk(dir);
  return bytes;
}

/**
 * Machine counters read around each phase: busy CPU time of the whole machine and steal time (ms, all CPUs), and a
 * process's major page faults. Busy time minus the server's and the load generator's shows what other processes
 * took during the phase.
 */
export function counters(pid: number): { busyMs: number; stealMs: number; majorFaults: number } {
  let busyMs = 0;
  let stealMs = 0;
  let majorFaults = 0;
  try {
    // cpu user nice system idle iowait irq softirq steal ...; USER_HZ = 100
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    busyMs = (cpu[1]! + cpu[2]! + cpu[3]! + cpu[6]! + cpu[7]! + cpu[8]!) * 10;
    stealMs = cpu[8]! * 10;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    majorFaults = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[9]);
  } catch {
    // not Linux
  }
  return { busyMs, stealMs, majorFaults };
}
