import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { abbaOrder, pairedRatio, spread, type Arm, type PairedRatio } from './ab-rounds.js';
import { apiPhase, counters, ratePhase } from './latency-phases.js';
import {
  mergeRaw,
  summarise,
  type PhaseKind,
  type PhaseResult,
  type RawPhase,
} from './latency-stats.js';
import { recordRun } from './results-file.js';
import { warmUntilSteady } from './steady-warmup.js';
import { threadLine } from './latency-report.js';
import { stallLine, type LoopStalls } from './loop-stalls.js';
import { cpuPerRequest, readThreadCpu, type ThreadLabels } from './thread-cpu.js';

const ARM = fileURLToPath(
  new URL(`./latency-arm.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url),
);

const READY_TIMEOUT_MS = 15 * 60_000;
export const SETTINGS_FILE = 'latency-ab-settings.json';

export interface CompareOptions {
  /** A: this checkout; B: the other (--compare). Each serves its own copy of the same prepared data. */
  a: ArmSource;
  b: ArmSource;
  connections: number;
  rounds: number;
  /** Seconds of each measured phase. */
  roundSeconds: number;
  /** Offered req/s of the fixed-rate phase (0: none). */
  rate: number;
  phases: PhaseKind[];
  /** Least warm-up seconds per arm; it goes on (5 s windows) until throughput is steady. */
  warmupSeconds: number;
  /** Warm-up window (s; default 5). */
  warmupWindowSeconds?: number;
  candidates: number;
  limit: number;
  log: (line: string) => void;
}

export interface ArmSource {
  root: string;
  dataDir: string;
  /** Config overrides for this arm's server (e.g. {"limits":{"searchConcurrency":0}}): A/B of a setting. */
  config?: Record<string, unknown>;
}

interface ArmProcess {
  child: ChildProcess;
  url: string;
  pid: number;
  ask(cmd: object): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts an arm (src/bench/latency-arm.ts) with its checkout's own tsx and waits until it serves. */
async function startArm(
  { root, dataDir, config }: ArmSource,
  bodies: string,
  o: CompareOptions,
): Promise<ArmProcess & { prereadBytes: number; items: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      ARM,
      '--root',
      root,
      '--data-dir',
      dataDir,
      '--bodies',
      bodies,
      '--candidates',
      String(o.candidates),
      '--limit',
      String(o.limit),
      ...(config ? ['--config', JSON.stringify(config)] : []),
    ],
    {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, CHORUS_LOG_LEVEL: 'warn' },
    },
  );
  let err = '';
  child.stdin!.on('error', () => undefined); // a dead arm: its output says why
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`bench arm ${root} exited:\n${err}`);
    return JSON.parse(r.value) as unknown;
  };
  // Opening may rebuild a saved index from an older format (minutes at 100k); past that, give up.
  const stuck = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS);
  const ready = (await next().finally(() => clearTimeout(stuck))) as {
    url: string;
    pid: number;
    prereadBytes: number;
    items: number;
  };
  return {
    child,
    items: ready.items,
    url: ready.url,
    pid: ready.pid,
    prereadBytes: ready.prereadBytes,
    async ask(cmd) {
      child.stdin!.write(JSON.stringify(cmd) + '\n');
      return next();
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return; // it died already
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.write(JSON.stringify({ cmd: 'close' }) + '\n');
      const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface ArmSummary {
  root: string;
  commit?: string;
  dataDir: string;
  config?: Record<string, unknown>;
  /** Per kind: every round's figures in order, their median and range, and all rounds merged. */
  kinds: Partial<
    Record<
      PhaseKind,
      {
        rounds: PhaseResult[];
        qps: ReturnType<typeof spread>;
        p99: ReturnType<typeof spread>;
        cpuMs: ReturnType<typeof spread>;
        all: PhaseResult;
      }
    >
  >;
  warmup: { seconds: number; qps: number[] };
}

export interface CompareResult {
  kind: 'ab';
  items: number;
  connections: number;
  rounds: number;
  roundSeconds: number;
  order: string;
  rate: number;
  cpus: number;
  a: ArmSummary;
  b: ArmSummary;
  /** B / A paired by round (geometric mean, 95% t-interval): throughput, p99 and server CPU per request. */
  ratios: Partial<Record<PhaseKind, { qps: PairedRatio; p99: PairedRatio; cpuMs: PairedRatio }>>;
  loadAverage: [number, number];
}

/**
 * Two code versions on the same machine in the same minutes: both servers up (each over its own copy of the same
 * data, same warm-up), then short phases alternated AB BA AB ... so drift and run order fall on both alike; each
 * round's B / A ratio cancels what that round shares.
 */
export async function runCompare(o: CompareOptions): Promise<CompareResult> {
  const bodies = path.join(o.a.dataDir, 'bodies.json');
  if (!existsSync(bodies))
    throw new Error(
      `${o.a.dataDir} has no bodies.json: prepare it once with bench/latency.ts --data-dir`,
    );
  const other = path.join(o.b.dataDir, 'bodies.json');
  if (existsSync(other) && readFileSync(other, 'utf8') !== readFileSync(bodies, 'utf8'))
    throw new Error(`${o.a.dataDir} and ${o.b.dataDir} hold different queries: not the same data`);
  const load0 = os.loadavg()[0]!;
  const arms: Partial<Record<Arm, ArmProcess & { items: number }>> = {};
  try {
    for (const arm of ['a', 'b'] as const) {
      const t = performance.now();
      const p = await startArm(o[arm], bodies, o);
      arms[arm] = p;
      if (arm === 'b' && p.items !== arms.a!.items)
        throw new Error(`A serves ${arms.a!.items} items, B ${p.items}: not the same data`);
      o.log(
        `  ${arm.toUpperCase()} (${o[arm].root}) serving in ${((performance.now() - t) / 1000).toFixed(1)}s (pre-read ${(p.prereadBytes / 2 ** 30).toFixed(2)} GiB)`,
      );
    }
    const labels: Record<Arm, ThreadLabels> = { a: {}, b: {} };
    const samples: Record<Arm, RawPhase[]> = { a: [], b: [] };
    const measure = async (arm: Arm, kind: PhaseKind, seconds: number): Promise<PhaseResult> => {
      const p = arms[arm]!;
      const load = os.loadavg()[0]!;
      await p.ask({ cmd: 'stalls' }); // starts the phase's count
      const t0 = readThreadCpu(p.pid);
      const c0 = counters(p.pid);
      const raw: RawPhase =
        kind === 'api'
          ? await apiPhase(p.url, bodies, o.connections, seconds)
          : kind === 'rate'
            ? await ratePhase(p.url, bodies, o.connections, o.rate, seconds)
            : ((await p.ask({ cmd: 'raw', seconds, connections: o.connections })) as RawPhase);
      const t1 = readThreadCpu(p.pid);
      const c1 = counters(p.pid);
      const threads = cpuPerRequest(t0, t1, p.pid, labels[arm], raw.requests);
      raw.cpuMs = threads.total! * raw.requests;
      raw.threads = threads;
      raw.stealMs = c1.stealMs - c0.stealMs;
      raw.majorFaults = c1.majorFaults - c0.majorFaults;
      raw.othersCpuMs = c1.busyMs - c0.busyMs - raw.cpuMs - (raw.clientCpuMs ?? 0);
      raw.stalls = (await p.ask({ cmd: 'stalls' })) as LoopStalls;
      samples[arm].push(raw);
      return summarise(kind, raw, [load, os.loadavg()[0]!]);
    };
    // Warm-up: API windows alternated between the arms until each arm's throughput is steady.
    const window = o.warmupWindowSeconds ?? 5;
    const warm = await warmUntilSteady(
      ['a', 'b'] as const,
      async (arm) => (await measure(arm, 'api', window)).qps,
      {
        minSeconds: o.warmupSeconds,
        windowSeconds: window,
        tolerance: 0.05,
        maxWindows: Math.max(8, Math.ceil(o.warmupSeconds / window) + 2),
      },
    );
    for (const arm of ['a', 'b'] as const) {
      labels[arm] = (await arms[arm]!.ask({ cmd: 'labels' })) as ThreadLabels;
      if (o.phases.includes('raw')) await measure(arm, 'raw', window);
      o.log(
        `  ${arm.toUpperCase()} warm-up: ${warm[arm].map((q) => q.toFixed(1)).join(', ')} req/s`,
      );
    }
    const results: Record<Arm, PhaseResult[]> = { a: [], b: [] };
    const measured: Record<Arm, RawPhase[]> = { a: [], b: [] };
    for (const [r, order] of abbaOrder(o.rounds).entries()) {
      for (const arm of order)
        for (const kind of o.phases) {
          const p = await measure(arm, kind, o.roundSeconds);
          results[arm].push(p);
          measured[arm].push(samples[arm][samples[arm].length - 1]!);
          o.log(
            `  round ${r + 1} ${arm.toUpperCase()} ${kind}: ${p.qps.toFixed(1)} req/s, p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, server CPU ${p.cpuMsPerRequest?.server ?? '?'} ms/req${p.stalls ? `; ${stallLine(p.stalls)}` : ''} (load ${p.loadAverage[0].toFixed(2)})`,
          );
        }
    }
    const summary = (arm: Arm): ArmSummary => ({
      root: o[arm].root,
      commit: commitOf(o[arm].root),
      dataDir: o[arm].dataDir,
      ...(o[arm].config ? { config: o[arm].config } : {}),
      warmup: { seconds: warm[arm].length * window, qps: warm[arm] },
      kinds: Object.fromEntries(
        o.phases.map((kind) => {
          const rounds = results[arm].filter((p) => p.kind === kind);
          const raws = measured[arm].filter((_, i) => results[arm][i]!.kind === kind);
          return [
            kind,
            {
              rounds,
              qps: spread(rounds.map((p) => p.qps)),
              p99: spread(rounds.map((p) => p.p99)),
              cpuMs: spread(rounds.map((p) => p.cpuMsPerRequest?.server ?? NaN)),
              all: summarise(kind, mergeRaw(raws), [
                rounds[0]!.loadAverage[0],
                rounds[rounds.length - 1]!.loadAverage[1],
              ]),
            },
          ];
        }),
      ),
    });
    const of = (arm: Arm, kind: PhaseKind, f: (p: PhaseResult) => number) =>
      results[arm].filter((p) => p.kind === kind).map(f);
    return {
      kind: 'ab',
      items: arms.a!.items,
      connections: o.connections,
      rounds: o.rounds,
      roundSeconds: o.roundSeconds,
      order: abbaOrder(o.rounds)
        .map((x) => x.join(''))
        .join(' ')
        .toUpperCase(),
      rate: o.rate,
      cpus: os.cpus().length,
      a: summary('a'),
      b: summary('b'),
      ratios: Object.fromEntries(
        o.phases.map((kind) => [
          kind,
          {
            qps: pairedRatio(
              of('a', kind, (p) => p.qps),
              of('b', kind, (p) => p.qps),
            ),
            p99: pairedRatio(
              of('a', kind, (p) => p.p99),
              of('b', kind, (p) => p.p99),
            ),
            cpuMs: pairedRatio(
              of('a', kind, (p) => p.cpuMsPerRequest?.server ?? NaN),
              of('b', kind, (p) => p.cpuMsPerRequest?.server ?? NaN),
            ),
          },
        ]),
      ),
      loadAverage: [load0, os.loadavg()[0]!],
    };
  } finally {
    await Promise.all(Object.values(arms).map((p) => p.close().catch(() => undefined)));
  }
}

const commitOf = (root: string): string | undefined => {
  try {
    // -dirty: the arm ran uncommitted changes, so its commit alone does not say what ran.
    return execFileSync('git', ['-C', root, 'describe', '--always', '--dirty', '--abbrev=7'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return undefined;
  }
};

/**
 * Prints the A/B figures and records them: two commits in `latency-ab.json` under the collection size, two settings
 * (an arm with --a-config / --b-config) in `latency-ab-settings.json` under settingsKey.
 */
export function reportCompare(
  r: CompareResult,
  resultsDir: string,
  out: (l: string) => void,
): void {
  const f = (x: number) => x.toFixed(1);
  const ci = (p: PairedRatio) =>
    `${p.ratio.toFixed(3)}x [${p.low.toFixed(3)}, ${p.high.toFixed(3)}]`;
  out(
    `A/B at ${r.items} items, ${r.connections} connections, ${r.rounds} rounds of ${r.roundSeconds}s per phase (${r.order}); load ${r.loadAverage.map((x) => x.toFixed(2)).join(' -> ')}`,
  );
  for (const arm of ['a', 'b'] as const) {
    const s = r[arm];
    out(
      `  ${arm.toUpperCase()}: ${s.root}${s.commit ? ` (${s.commit})` : ''}${s.config ? ` config ${JSON.stringify(s.config)}` : ''}, data ${s.dataDir}`,
    );
    for (const [kind, k] of Object.entries(s.kinds)) {
      out(
        `    ${kind.padEnd(4)} req/s median ${f(k.qps.median)} [${f(k.qps.min)}-${f(k.qps.max)}], p99 median ${f(k.p99.median)} ms [${f(k.p99.min)}-${f(k.p99.max)}], server CPU ${f(k.cpuMs.median)} ms/req; all rounds p50 ${f(k.all.p50)} / p99 ${f(k.all.p99)} ms${k.all.cpuMsPerRequest?.threads ? `; threads ${threadLine(k.all.cpuMsPerRequest.threads)}` : ''}${k.all.cpuMsPerRequest?.client !== undefined ? `, load generator ${k.all.cpuMsPerRequest.client}` : ''}${k.all.stalls ? `; ${stallLine(k.all.stalls)}` : ''}`,
      );
    }
  }
  for (const [kind, x] of Object.entries(r.ratios))
    out(
      `  B / A ${kind.padEnd(4)} (paired by round, 95% interval): req/s ${ci(x.qps)}, p99 ${ci(x.p99)}, server CPU/req ${ci(x.cpuMs)}`,
    );
  if (r.a.config || r.b.config) recordRun(resultsDir, SETTINGS_FILE, settingsKey(r), r);
  else recordRun(resultsDir, 'latency-ab.json', String(r.items), r);
}

/**
 * Where a settings A/B is recorded: `<items>x<connections>:<config sections>` (e.g. `100000x8:limits`), so an A/B of
 * one group of settings does not replace another's at the same size.
 */
export function settingsKey(r: Pick<CompareResult, 'items' | 'connections' | 'a' | 'b'>): string {
  const sections = [
    ...new Set([...Object.keys(r.a.config ?? {}), ...Object.keys(r.b.config ?? {})]),
  ];
  return `${r.items}x${r.connections}${sections.length ? `:${sections.sort().join('+')}` : ''}`;
}
