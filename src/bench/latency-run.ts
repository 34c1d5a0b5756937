import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../rerankers/random.js';
import { buildChorus, type Chorus } from '../app/build.js';
import { parseConfig } from '../config.js';
import { clusteredVectors, perturb, queryText, TextGenerator } from './latency-data.js';
import {
  apiPhase,
  counters,
  prereadDir,
  ratePhase,
  rawPhase,
  type Query,
} from './latency-phases.js';
import { recallPerVector } from './latency-recall.js';
import {
  mergeRaw,
  summarise,
  type PhaseKind,
  type PhaseResult,
  type RawPhase,
} from './latency-stats.js';
import { stallLine, StallMonitor } from './loop-stalls.js';
import { warmUntilSteady } from './steady-warmup.js';
import { cpuPerRequest, labelWorkerThreads, readThreadCpu } from './thread-cpu.js';

export { reportLatency, type LatencyResult } from './latency-report.js';
import type { LatencyResult } from './latency-report.js';

export interface LatencyOptions {
  /** Items in the collection (the issue's figures: 20k and 100k). */
  n: number;
  connections: number;
  /** Seconds of measured load per kind (split over the alternating phases). */
  durationSeconds: number;
  /** Least seconds of warm-up per kind before any measurement (it goes on until throughput is steady). */
  warmupSeconds?: number;
  /** Warm-up window (s; default 5): warm-up ends when two windows in a row agree within 5%. */
  warmupWindowSeconds?: number;
  /** Raw/API alternations (each phase runs durationSeconds / rounds). */
  rounds?: number;
  /** Offered req/s of a fixed-rate phase in each round (0 or absent: none). */
  rate?: number;
  /** Named vectors and their dimensions. */
  dims: Record<string, number>;
  /** Stage-1 depth per list (the engine default is 100). */
  candidates: number;
  limit: number;
  log: (line: string) => void;
  /** Called with the figures as soon as they are measured, before the store closes (closing can be slow). */
  onResult?: (r: LatencyResult) => void;
  /**
   * Keep the data here and reuse it: a directory already holding the same `n` items (same seeds) is served as is,
   * without ingesting again (profiling, repeated runs at 100k). Default: a temp directory, removed afterwards.
   */
  dataDir?: string;
}

const QUERY_POOL = 512;
const BATCH = 2000;
/** Warm-up windows (s) and how close two in a row must be for throughput to count as steady. */
const WARM_WINDOW_DEFAULT = 5;
const WARM_TOLERANCE = 0.05;

/**
 * /v1/search under load, fairly: a collection of `n` items with every named vector and BM25 text; queries carry
 * text plus a vector for each name. The load generator (autocannon) runs in a child process; the raw phase calls
 * the engine directly in this process with the same queries and concurrency (no HTTP, JSON or express). After
 * one warm-up of both, raw and API phases alternate, so neither gets a colder or hotter machine. Per-stage
 * p50/p99 come from each response's own timings; the load average is recorded around every phase.
 */
export async function runLatency(o: LatencyOptions): Promise<LatencyResult> {
  // Before any worker starts: per-thread CPU needs to know which thread is which worker.
  const labels = labelWorkerThreads();
  const dir = o.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'chorus-latency-'));
  // A reused data copy is read once before anything is timed, so the page cache does not favour a later process.
  const prereadBytes = o.dataDir && existsSync(dir) ? prereadDir(dir) : 0;
  if (prereadBytes) o.log(`  pre-read ${(prereadBytes / 2 ** 30).toFixed(2)} GiB of ${dir}`);
  const config = parseConfig({
    dataDir: dir,
    logLevel: 'silent',
    limits: { maxBodyBytes: 8 * 1024 * 1024, rateLimitPerMinute: 1_000_000 },
    // Retention is maintenance, not serving: no pass prunes a reused data copy mid-measurement.
    feedback: { retentionDays: 0 },
  });
  const chorus = await buildChorus(config, { encoders: 'none', indexMaintenance: 'inline' });
  try {
    const t0 = performance.now();
    const queries = await ingest(chorus, o);
    const ingestSeconds = (performance.now() - t0) / 1000;
    // Serving is measured on a settled index: every row absorbed into the graphs (and saved), as after a load.
    const t1 = performance.now();
    const store = chorus.store as { flushIndex?: (c: string) => Promise<void> };
    await store.flushIndex?.('bench');
    const indexSeconds = (performance.now() - t1) / 1000;
    o.log(`  index settled in ${indexSeconds.toFixed(1)}s`);
    const { url } = await chorus.listen(0, '127.0.0.1');
    const bodiesFile = path.join(dir, 'bodies.json');
    writeFileSync(
      bodiesFile,
      JSON.stringify(
        queries.map((q) =>
          JSON.stringify({
            collection: 'bench',
            text: q.text,
            vectors: arrays(q.vectors),
            limit: o.limit,
            candidates: o.candidates,
          }),
        ),
      ),
    );
    const rawQuery = (q: Query) =>
      chorus.engine.search({
        collection: 'bench',
        query: { text: q.text, vectors: q.vectors },
        limit: o.limit,
        candidates: o.candidates,
      });
    const warm = o.warmupSeconds ?? Math.min(10, o.durationSeconds);
    const WARM_WINDOW = o.warmupWindowSeconds ?? WARM_WINDOW_DEFAULT;
    const rounds = o.rounds ?? 2;
    const each = Math.max(1, Math.round(o.durationSeconds / rounds));
    const kinds: PhaseKind[] = o.rate ? ['raw', 'api', 'rate'] : ['raw', 'api'];
    const stalls = new StallMonitor().start();
    const measure = async (kind: PhaseKind, seconds: number) => {
      stalls.take(); // starts the phase's count
      const load = os.loadavg()[0]!;
      const t0 = readThreadCpu(process.pid);
      const c0 = counters(process.pid);
      const p =
        kind === 'raw'
          ? await rawPhase(queries, rawQuery, o.connections, seconds)
          : kind === 'api'
            ? await apiPhase(url, bodiesFile, o.connections, seconds)
            : await ratePhase(url, bodiesFile, o.connections, o.rate!, seconds);
      const c1 = counters(process.pid);
      const threads = cpuPerRequest(
        t0,
        readThreadCpu(process.pid),
        process.pid,
        labels(),
        p.requests,
      );
      p.threads = threads;
      p.cpuMs = threads.total! * p.requests;
      p.stealMs = c1.stealMs - c0.stealMs;
      p.majorFaults = c1.majorFaults - c0.majorFaults;
      p.othersCpuMs = c1.busyMs - c0.busyMs - p.cpuMs - (p.clientCpuMs ?? 0);
      await new Promise((resolve) => setImmediate(resolve)); // GC entries of the last pauses arrive a tick late
      p.stalls = stalls.take();
      return { p, phase: summarise(kind, p, [load, os.loadavg()[0]!]) };
    };
    // Warm-up: raw and API windows in turn until each kind's throughput is steady (at least `warm` s each).
    const warmed = await warmUntilSteady(
      ['raw', 'api'] as const,
      async (kind) => (await measure(kind, WARM_WINDOW)).phase.qps,
      {
        minSeconds: warm,
        windowSeconds: WARM_WINDOW,
        tolerance: WARM_TOLERANCE,
        maxWindows: Math.max(8, Math.ceil(warm / WARM_WINDOW) + 2),
      },
    );
    o.log(
      `  warm-up until steady: raw ${warmed.raw.map((q) => q.toFixed(0)).join(', ')}; API ${warmed.api.map((q) => q.toFixed(0)).join(', ')} req/s`,
    );
    if (o.rate) await measure('rate', WARM_WINDOW);
    const phases: PhaseResult[] = [];
    const samples: RawPhase[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const kind of kinds) {
        const { p, phase } = await measure(kind, each);
        phases.push(phase);
        samples.push(p);
        o.log(
          `  ${kind} #${r + 1}: ${phase.qps.toFixed(1)} req/s, p50 ${phase.p50.toFixed(1)} ms, p99 ${phase.p99.toFixed(1)} ms, server CPU ${phase.cpuMsPerRequest?.server ?? '?'} ms/req${phase.stalls ? `; ${stallLine(phase.stalls)}` : ''} (load ${phase.loadAverage.map((l) => l.toFixed(2)).join(' -> ')}, others' CPU ${((phase.othersCpuShare ?? 0) * 100).toFixed(0)}%)`,
        );
      }
    }
    stalls.stop();
    // Quality beside speed: the lists served are the ANN's, so recall@10 per vector list vs an exact scan.
    const recall = await recallPerVector(
      chorus.store,
      { n: o.n, dims: o.dims, batch: BATCH, queries: queries.length },
      (name, i) => queries[i]!.vectors[name]!,
    );
    const recallAt10 = recall.recall;
    o.log(
      `  recall@10 vs exact (${queries.length} queries): ${JSON.stringify(recallAt10)}; queries with none of their top 10: ${JSON.stringify(recall.lost)}`,
    );
    const result: LatencyResult = {
      data: `${o.n} synthetic items: clustered unit vectors ${Object.entries(o.dims)
        .map(([n, d]) => `${n}:${d}`)
        .join(
          ' ',
        )}, Zipf pseudo-word text (title 3-6 + body 10-30 words); queries: 3 words of an item's text + a perturbed copy of its every vector`,
      items: o.n,
      vectors: o.dims,
      connections: o.connections,
      candidates: o.candidates,
      limit: o.limit,
      warmupSeconds: warm,
      warmup: { windowSeconds: WARM_WINDOW, raw: warmed.raw, api: warmed.api },
      prereadBytes,
      ingestSeconds: Math.round(ingestSeconds * 10) / 10,
      indexSeconds: Math.round(indexSeconds * 10) / 10,
      cpus: os.cpus().length,
      phases,
      raw: summarise('raw', merge(phases, samples, 'raw'), span(phases, 'raw')),
      api: summarise('api', merge(phases, samples, 'api'), span(phases, 'api')),
      ...(o.rate
        ? { rate: summarise('rate', merge(phases, samples, 'rate'), span(phases, 'rate')) }
        : {}),
      recallAt10,
      recallQueries: queries.length,
      recallLostQueries: recall.lost,
      searchThreads: (
        chorus.store as { searchThreadStats?: () => LatencyResult['searchThreads'] }
      ).searchThreadStats?.(),
      targets: { p99UnderMs: 50, minQps: 150, minRecallAt10: 0.95 },
    };
    o.onResult?.(result);
    return result;
  } finally {
    // Closing saves indexes and drains background work; the figures are already measured, so a slow close
    // is reported rather than waited on forever.
    const t = performance.now();
    const closed = await Promise.race([
      chorus.close().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), CLOSE_WAIT_MS).unref()),
    ]);
    o.log(
      closed
        ? `  closed in ${((performance.now() - t) / 1000).toFixed(1)}s`
        : `  close still running after ${CLOSE_WAIT_MS / 1000}s; not waiting`,
    );
    if (closed && !o.dataDir) rmSync(dir, { recursive: true, force: true });
  }
}

const CLOSE_WAIT_MS = 60_000;

const arrays = (vectors: Record<string, Float32Array>) =>
  Object.fromEntries(Object.entries(vectors).map(([n, v]) => [n, Array.from(v)]));

async function ingest(chorus: Chorus, o: LatencyOptions): Promise<Query[]> {
  const names = Object.keys(o.dims);
  const existing = await chorus.store.count('bench').catch(() => undefined);
  if (existing !== undefined && existing !== o.n)
    throw new Error(`${o.dataDir}: holds ${existing} items, not ${o.n}: use another --data-dir`);
  const reuse = existing === o.n;
  if (!reuse)
    await chorus.engine.createCollection({
      name: 'bench',
      vectors: Object.fromEntries(
        names.map((n, i) => [
          n,
          { modality: (['text', 'image', 'audio'] as const)[i % 3]!, dim: o.dims[n]! },
        ]),
      ),
      payloadIndexes: { category: 'keyword', title: 'text', body: 'text' },
    });
  const words = new TextGenerator(new Rng(7));
  const rng = new Rng(99);
  const queries: Query[] = [];
  const perBatch = Math.ceil(QUERY_POOL / Math.ceil(o.n / BATCH));
  const t0 = performance.now();
  for (let start = 0; start < o.n; start += BATCH) {
    const size = Math.min(BATCH, o.n - start);
    // Each batch draws its own 64 centroids (seeded by its start), so n items form n / BATCH * 64 small clusters
    // (~31 items each): a k = 100 walk collects near-ties past its cluster, the harder case. Every published
    // figure and saved data set rests on this; a change is a new data version (latency-recall.ts must match).
    const vecs = Object.fromEntries(
      names.map((n, i) => [n, clusteredVectors(size, o.dims[n]!, 64, 1000 * i + start)]),
    );
    const items = Array.from({ length: size }, (_, k) => ({
      id: `item-${start + k}`,
      payload: {
        title: words.text(3, 6),
        body: words.text(10, 30),
        category: `c${(start + k) % 20}`,
      },
      vectors: Object.fromEntries(names.map((n) => [n, vecs[n]![k]!])),
    }));
    if (!reuse) await chorus.engine.upsertItems('bench', items);
    for (const item of items.slice(0, perBatch)) {
      if (queries.length >= QUERY_POOL) break;
      queries.push({
        text: queryText(`${item.payload.title} ${item.payload.body}`, rng),
        vectors: Object.fromEntries(names.map((n) => [n, perturb(item.vectors[n]!, rng)])),
      });
    }
    if (!reuse)
      o.log(`  ingested ${start + size}/${o.n} (${((performance.now() - t0) / 1000).toFixed(0)}s)`);
  }
  return queries;
}

function merge(phases: PhaseResult[], samples: RawPhase[], kind: PhaseKind): RawPhase {
  return mergeRaw(samples.filter((_, i) => phases[i]!.kind === kind));
}

/** Load average (1 min) at the start of a kind's first phase and the end of its last. */
const span = (phases: PhaseResult[], kind: string): [number, number] => {
  const of = phases.filter((p) => p.kind === kind);
  return [of[0]!.loadAverage[0], of[of.length - 1]!.loadAverage[1]];
};
