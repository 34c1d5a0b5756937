// bench/store-load: the LanceDB store (with its in-process HNSW index) under a bulk load of multi-vector items, as a
// catalogue loader drives it: batches one after another, a search now and then during the load, then single-client
// search latency and recall@10 per vector against an exact scan, filtered plans, and a reopen from the saved index.
// Baselines measured in the same run: exact SIMD scan over the same vectors (usearch exactSearch, 1 thread) and
// LanceDB's own flat vector query (what the store did per vector list before the in-process index).
// Usage: npx tsx bench/store-load.ts [--n 100000] [--batch 100] [--dims 384,512,512] [--queries 200]
//        [--k 100] [--out bench/results/store-load.json] [--reopen-only DIR]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as lancedb from '@lancedb/lancedb';
import { exactSearch, MetricKind } from 'usearch';
import { Rng } from '../rerankers/random.js';
import { LanceDbStore } from '../src/stores/lancedb-store.js';
import { embeddingLike, percentile } from './embedding-like.js';

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '100' },
    dims: { type: 'string', default: '384,512,512' },
    queries: { type: 'string', default: '200' },
    k: { type: 'string', default: '100' },
    seed: { type: 'string', default: '7' },
    out: { type: 'string', default: 'bench/results/store-load.json' },
    'probe-every': { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(flags.n);
const BATCH = Number(flags.batch);
const DIMS = flags.dims.split(',').map(Number);
const NAMES = DIMS.map((_, i) => ['text', 'image', 'audio', 'v3', 'v4'][i]!);
const Q = Number(flags.queries);
const K = Number(flags.k);
const log = (s: string) => process.stdout.write(`${s}\n`);
const r2 = (x: number) => Math.round(x * 100) / 100;
const load = () => os.loadavg().map((x) => r2(x));
const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

log(
  `bench/store-load: n=${N} batch=${BATCH} dims=${DIMS.join('+')} queries=${Q} k=${K} cores=${os.cpus().length} load=${load().join(' ')}`,
);

// ---- data: one embedding-like space per named vector; items and queries from the same distribution ----
const gens = DIMS.map((dim, i) => embeddingLike({ dim, seed: 1000 + i }));
const rng = new Rng(Number(flags.seed));
const data = DIMS.map((dim) => new Float32Array(N * dim));
let t0 = performance.now();
for (let i = 0; i < N; i++) gens.forEach((g, v) => data[v]!.set(g(rng), i * DIMS[v]!));
const queries = DIMS.map((_, v) => Array.from({ length: Q }, () => gens[v]!(rng)));
log(`data generated in ${r2((performance.now() - t0) / 1000)} s`);
const CATS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
const payload = (i: number) => ({
  cat: i % 1000 === 0 ? 'rare' : CATS[i % 10]!,
  price: i % 100,
  title: `item ${i}`,
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-bench-store-load-'));
const schema = {
  name: 'load',
  vectors: Object.fromEntries(
    NAMES.map((n, v) => [n, { modality: 'text' as const, dim: DIMS[v]! }]),
  ),
  payloadIndexes: { cat: 'keyword' as const, price: 'float' as const },
};

// ---- phase 1: the load ----
const store = await LanceDbStore.open({ dataDir: dir });
await store.createCollection(schema);
const batchMs: number[] = [];
const probeMs: number[] = [];
t0 = performance.now();
for (let b = 0, i = 0; i < N; b++, i += BATCH) {
  const items = [];
  for (let r = i; r < Math.min(N, i + BATCH); r++)
    items.push({
      id: `i${r}`,
      payload: payload(r),
      vectors: Object.fromEntries(
        NAMES.map((n, v) => [n, data[v]!.subarray(r * DIMS[v]!, (r + 1) * DIMS[v]!)]),
      ),
    });
  const t = performance.now();
  await store.upsert('load', items);
  batchMs.push(performance.now() - t);
  if (b % Number(flags['probe-every']) === 0) {
    const v = b % DIMS.length;
    const s = performance.now();
    await store.search('load', NAMES[v]!, queries[v]![b % Q]!, K);
    probeMs.push(performance.now() - s);
  }
  if (b % 100 === 0)
    log(
      `  ${i + items.length} items, last batch ${r2(batchMs.at(-1)!)} ms, rss ${mb()} MB, load ${load()[0]}`,
    );
}
const loadS = (performance.now() - t0) / 1000;
const loadInfo = await store.indexInfo('load');
const loadPhase = {
  items: N,
  batch: BATCH,
  seconds: r2(loadS),
  itemsPerS: r2(N / loadS),
  batchP50Ms: r2(percentile(batchMs, 50)),
  batchP99Ms: r2(percentile(batchMs, 99)),
  slowestBatchMs: r2(Math.max(...batchMs)),
  batchesOver2s: batchMs.filter((x) => x > 2000).length,
  searchDuringLoad: {
    count: probeMs.length,
    p50Ms: r2(percentile(probeMs, 50)),
    p99Ms: r2(percentile(probeMs, 99)),
  },
  unabsorbedAtEnd: loadInfo
    .filter((x) => x.type === 'usearch-hnsw')
    .reduce((a, x) => a + x.unindexed, 0),
  load: load(),
};
log(`load: ${JSON.stringify(loadPhase)}`);

// ---- phase 2: let the graphs absorb the tail (background), then measure ----
t0 = performance.now();
for (;;) {
  const info = (await store.indexInfo('load')).filter((x) => x.type === 'usearch-hnsw');
  if (info.every((x) => x.unindexed === 0)) break;
  await new Promise((r) => setTimeout(r, 500));
}
const absorbS = (performance.now() - t0) / 1000;
log(`graphs absorbed the rest in ${r2(absorbS)} s after the last batch`);

async function latency(s: LanceDbStore, label: string, q = Q) {
  const per: Record<string, { p50Ms: number; p99Ms: number; recallAt10: number }> = {};
  for (const [v, name] of NAMES.entries()) {
    for (let w = 0; w < 5; w++) await s.search('load', name, queries[v]![w]!, K);
    const ms: number[] = [];
    let hit = 0;
    for (let j = 0; j < q; j++) {
      const qv = queries[v]![j]!;
      const t = performance.now();
      const hits = await s.search('load', name, qv, K);
      ms.push(performance.now() - t);
      const truth = exactSearch(data[v]!, qv, DIMS[v]!, 10, MetricKind.Cos, 1);
      const want = new Set(Array.from(truth.keys, (key) => `i${key}`));
      hit += hits.slice(0, 10).filter((h) => want.has(h.id)).length;
    }
    per[name] = {
      p50Ms: r2(percentile(ms, 50)),
      p99Ms: r2(percentile(ms, 99)),
      recallAt10: r2(hit / (q * 10)),
    };
  }
  log(`${label}: ${JSON.stringify(per)} load ${load().join(' ')}`);
  return per;
}
const warm = await latency(store, 'store search (single client, k=' + K + ')');

// Baselines on the same vectors: exact SIMD scan (1 thread) and LanceDB's flat query per vector list.
const exactMs: Record<string, number> = {};
for (const [v, name] of NAMES.entries()) {
  const ms: number[] = [];
  for (let j = 0; j < Math.min(Q, 50); j++) {
    const t = performance.now();
    exactSearch(data[v]!, queries[v]![j]!, DIMS[v]!, K, MetricKind.Cos, 1);
    ms.push(performance.now() - t);
  }
  exactMs[name] = r2(percentile(ms, 99));
}
const db = await lancedb.connect(path.join(dir, 'lancedb'));
const table = await db.openTable('load');
const lanceMs: Record<string, number> = {};
for (const [v, name] of NAMES.entries()) {
  const ms: number[] = [];
  for (let j = 0; j < 20; j++) {
    const t = performance.now();
    await table
      .vectorSearch(queries[v]![j]!)
      .column(`v_${name}`)
      .distanceType('cosine')
      .limit(K)
      .select(['id', 'payload', '_distance'])
      .toArray();
    ms.push(performance.now() - t);
  }
  lanceMs[name] = r2(percentile(ms, 99));
}
table.close();
db.close();
log(
  `baselines p99 ms: exact scan ${JSON.stringify(exactMs)}, LanceDB flat query ${JSON.stringify(lanceMs)}`,
);

// Filtered plans.
const filters = {
  selective: { must: [{ key: 'cat', match: { value: 'rare' } }] },
  broad: { must: [{ key: 'price', range: { gte: 10 } }] },
};
const filtered: Record<string, { plan: string; p50Ms: number; p99Ms: number }> = {};
for (const [label, filter] of Object.entries(filters)) {
  const ms: number[] = [];
  let plan = '';
  for (let j = 0; j < Math.min(Q, 50); j++) {
    const t = performance.now();
    await store.search('load', NAMES[0]!, queries[0]![j]!, K, {
      filter,
      onPlan: (p) => (plan = p),
    });
    ms.push(performance.now() - t);
  }
  filtered[label] = { plan, p50Ms: r2(percentile(ms, 50)), p99Ms: r2(percentile(ms, 99)) };
}
log(`filtered: ${JSON.stringify(filtered)}`);

// ---- phase 3: close (saves), reopen from the saved index ----
t0 = performance.now();
await store.close();
const saveS = (performance.now() - t0) / 1000;
const rssBefore = mb();
t0 = performance.now();
const again = await LanceDbStore.open({ dataDir: dir });
await again.search('load', NAMES[0]!, queries[0]![0]!, K);
const openS = (performance.now() - t0) / 1000;
const reopenInfo = (await again.indexInfo('load')).filter((x) => x.type === 'usearch-hnsw');
const reopened = await latency(again, 'after reopen (memory-mapped)');
await again.close();
const result = {
  bench: 'store-load',
  at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAtStart: loadPhase.load },
  params: {
    n: N,
    batch: BATCH,
    dims: DIMS,
    queries: Q,
    k: K,
    data: 'embedding-like (rank 48, decay 0.8, noise 0.05)',
  },
  load: loadPhase,
  absorbAfterLoadS: r2(absorbS),
  search: warm,
  baselinesP99Ms: { exactScan1Thread: exactMs, lancedbFlatQuery: lanceMs },
  filtered,
  reopen: {
    closeAndSaveS: r2(saveS),
    openToFirstSearchS: r2(openS),
    rssMB: rssBefore,
    index: reopenInfo,
    search: reopened,
  },
  loadAtEnd: load(),
};
mkdirSync(path.dirname(flags.out), { recursive: true });
const prev = existsSync(flags.out)
  ? (JSON.parse(readFileSync(flags.out, 'utf8')) as Record<string, unknown>)
  : {};
writeFileSync(
  flags.out,
  JSON.stringify({ ...prev, [`n${N}_${DIMS.join('+')}`]: result }, null, 2) + '\n',
);
log(`wrote ${flags.out}`);
if (!flags.keep) rmSync(dir, { recursive: true, force: true });
else log(`kept ${dir}`);
