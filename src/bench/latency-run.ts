import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Rng } from '../../rerankers/random.js';
import { buildChorus } from '../app/build.js';
import { parseConfig } from '../config.js';
import { clusteredVectors, percentile, perturb } from './latency-data.js';

export interface LatencyOptions {
  /** Items in the collection (the issue's figure is 100k). */
  n: number;
  connections: number;
  durationSeconds: number;
  /** Named vectors and their dimensions. */
  dims: Record<string, number>;
  /** Stage-1 depth per list (the engine default is 100). */
  candidates: number;
  limit: number;
  log: (line: string) => void;
}

export interface LatencyResult {
  items: number;
  vectors: Record<string, number>;
  connections: number;
  api: { requests: number; qps: number; p50: number; p95: number; p99: number; errors: number; non2xx: number };
  raw: { queries: number; qps: number; p50: number; p95: number; p99: number; searchesPerQuery: number };
  ratio: number;
  stagesMeanMs: Record<string, number>;
  ingestSeconds: number;
  targets: { p99UnderMs: number; minRatio: number; p99Met: boolean; ratioMet: boolean };
}

const QUERY_POOL = 512;

/**
 * /v1/search under load (autocannon, `connections` concurrent clients, bounded by duration) on a collection of
 * `n` items with three named vectors, beside a raw ANN loop over the same store with the same concurrency:
 * each raw "query" is the stage-1 work only (one store.search per vector name, in parallel).
 */
export async function runLatency(o: LatencyOptions): Promise<LatencyResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-latency-'));
  const config = parseConfig({ dataDir: dir, logLevel: 'silent', limits: { maxBodyBytes: 8 * 1024 * 1024, rateLimitPerMinute: 1_000_000 } });
  const chorus = await buildChorus(config, { encoders: 'none', indexMaintenance: 'inline' });
  try {
    const names = Object.keys(o.dims);
    await chorus.engine.createCollection({
      name: 'bench',
      vectors: Object.fromEntries(names.map((n, i) => [n, { modality: (['text', 'image', 'audio'] as const)[i % 3]!, dim: o.dims[n]! }])),
      payloadIndexes: { category: 'keyword' },
    });
    const t0 = performance.now();
    const BATCH = 5000;
    const samples: Record<string, Float32Array[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let start = 0; start < o.n; start += BATCH) {
      const size = Math.min(BATCH, o.n - start);
      const vecs = Object.fromEntries(names.map((n, i) => [n, clusteredVectors(size, o.dims[n]!, 64, 1000 * i + start)]));
      const items = Array.from({ length: size }, (_, k) => ({
        id: `item-${start + k}`,
        payload: { title: `item ${start + k}`, category: `c${(start + k) % 20}` },
        vectors: Object.fromEntries(names.map((n) => [n, vecs[n]![k]!])),
      }));
      await chorus.engine.upsertItems('bench', items);
      for (const n of names) samples[n]!.push(...vecs[n]!.slice(0, Math.ceil(QUERY_POOL / Math.ceil(o.n / BATCH))));
      o.log(`  ingested ${start + size}/${o.n} (${((performance.now() - t0) / 1000).toFixed(0)}s)`);
    }
    const ingestSeconds = (performance.now() - t0) / 1000;
    const rng = new Rng(99);
    const queries = Array.from({ length: QUERY_POOL }, (_, i) =>
      Object.fromEntries(names.map((n) => [n, perturb(samples[n]![i % samples[n]!.length]!, rng)])),
    );

    // Warm-up (index files into the page cache) so neither phase pays for cold reads.
    const search = (name: string, v: Float32Array) => chorus.store.search('bench', name, v, o.candidates);
    await rawLoop({ ...o, durationSeconds: Math.min(5, o.durationSeconds) }, queries, search);
    // Raw ANN loop: the same store, the same vectors and k, the same concurrency, no HTTP/fusion/logging.
    const raw = await rawLoop(o, queries, search);
    o.log(`  raw ANN: ${raw.qps.toFixed(1)} queries/s (${names.length} searches each), p99 ${raw.p99.toFixed(1)} ms`);

    const { url } = await chorus.listen(0, '127.0.0.1');
    const bodies = queries.map((q) =>
      JSON.stringify({ collection: 'bench', vectors: Object.fromEntries(Object.entries(q).map(([n, v]) => [n, Array.from(v)])), limit: o.limit, candidates: o.candidates }),
    );
    const before = await stageSums(url);
    const api = await load(url, bodies, o);
    const after = await stageSums(url);
    const stagesMeanMs: Record<string, number> = {};
    for (const [stage, a] of Object.entries(after)) {
      const b = before[stage] ?? { sum: 0, count: 0 };
      if (a.count > b.count) stagesMeanMs[stage] = Math.round(((a.sum - b.sum) / (a.count - b.count)) * 1e5) / 100;
    }
    const ratio = api.qps / raw.qps;
    return {
      items: o.n,
      vectors: o.dims,
      connections: o.connections,
      api,
      raw,
      ratio,
      stagesMeanMs,
      ingestSeconds,
      targets: { p99UnderMs: 50, minRatio: 0.5, p99Met: api.p99 <= 50, ratioMet: ratio >= 0.5 },
    };
  } finally {
    await chorus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rawLoop(
  o: LatencyOptions,
  queries: Record<string, Float32Array>[],
  search: (name: string, v: Float32Array) => Promise<unknown>,
): Promise<LatencyResult['raw']> {
  const latencies: number[] = [];
  const deadline = performance.now() + o.durationSeconds * 1000;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: o.connections }, async () => {
      while (performance.now() < deadline) {
        const q = queries[next++ % queries.length]!;
        const s = performance.now();
        await Promise.all(Object.entries(q).map(([name, v]) => search(name, v)));
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    queries: latencies.length,
    qps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    searchesPerQuery: Object.keys(queries[0] ?? {}).length,
  };
}

async function load(url: string, bodies: string[], o: LatencyOptions): Promise<LatencyResult['api']> {
  const latencies: number[] = [];
  let i = 0;
  const result = await autocannon({
    url,
    connections: o.connections,
    duration: o.durationSeconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/search',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }),
      },
    ],
    setupClient: (client) => {
      client.on('response', (_status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
    },
  });
  latencies.sort((a, b) => a - b);
  return {
    requests: result.requests.total,
    qps: result.requests.total / (result.duration || o.durationSeconds),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** Sum and count of each engine stage's histogram, from /metrics. */
async function stageSums(url: string): Promise<Record<string, { sum: number; count: number }>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, { sum: number; count: number }> = {};
  for (const m of text.matchAll(/^chorus_stage_duration_seconds_(sum|count)\{stage="([^"]+)"\} ([\d.e+-]+)$/gm)) {
    const entry = (out[m[2]!] ??= { sum: 0, count: 0 });
    entry[m[1] as 'sum' | 'count'] = Number(m[3]);
  }
  return out;
}

export function reportLatency(r: LatencyResult, resultsDir: string, out: (line: string) => void): void {
  const f = (x: number) => x.toFixed(1);
  out(`/v1/search at ${r.items} items, vectors ${Object.entries(r.vectors).map(([n, d]) => `${n}:${d}`).join(' ')}, ${r.connections} concurrent clients`);
  out(`  API   ${f(r.api.qps)} req/s  p50 ${f(r.api.p50)} ms  p95 ${f(r.api.p95)} ms  p99 ${f(r.api.p99)} ms  (${r.api.requests} requests, ${r.api.errors} errors, ${r.api.non2xx} non-2xx)`);
  out(`  raw   ${f(r.raw.qps)} q/s    p50 ${f(r.raw.p50)} ms  p95 ${f(r.raw.p95)} ms  p99 ${f(r.raw.p99)} ms  (${r.raw.searchesPerQuery} ANN searches per query)`);
  out(`  API / raw throughput ${r.ratio.toFixed(2)}x (target >= 0.5: ${r.targets.ratioMet ? 'met' : 'NOT met'}); p99 target <= 50 ms: ${r.targets.p99Met ? 'met' : 'NOT met'}`);
  out(`  stages (mean ms): ${Object.entries(r.stagesMeanMs).map(([s, v]) => `${s} ${v}`).join(', ')}`);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'latency.json'), JSON.stringify({ ...r, at: new Date().toISOString() }, null, 2) + '\n');
}
