// bench/ann-degree: what the HNSW graph degree (connectivity M) and efConstruction cost and buy, on the same data in
// one run: walk CPU per search (beam 100, k 100, i8 graph as the store builds it, exact f32 re-score as the search
// workers do) and recall@10 / recall@100 of the re-scored list against exact search, per vector list.
//   build:   npx tsx bench/ann-degree.ts --phase build --set lat100k --dir DIR [--configs 24/128,16/128,12/128]
//   measure: npx tsx bench/ann-degree.ts --phase measure --set lat100k --dir DIR [--rounds 6]
//   rate:    npx tsx bench/ann-degree.ts --phase rate --set lat100k --configs 24/128,16/256 [--rate-rows 20000]
//            (absorption: rows per CPU second on one thread, 1,024-row adds, configs alternated)
//   store:   npx tsx bench/ann-degree.ts --phase store --set lat100k --data-dir LATENCY_DATA_DIR (recall through the
//            store at its defaults, on a bench/latency --data-dir; the store rebuilds a graph saved with other settings)
// Sets: lat100k (bench/latency's data, regenerated from its seeds: clustered text 384 / image 512 / audio 512, its
// 512 queries), emb100k (bench/embedding-like.ts, rank 48, decay 0.8, 100k x 384 and 100k x 512, 512 fresh
// queries from the same distribution). Graphs are saved under DIR and memory-mapped (view) for the measure phase,
// as the search workers map them. Each round runs every config once, order reversed every other round (ABC CBA);
// a config's CPU per search is compared with the first config's in the same round (geometric mean, 95% interval).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exactSearch, Index, MetricKind, ScalarKind } from 'usearch';
import { Rng } from '../rerankers/random.js';
import { clusteredVectors, perturb, queryText, TextGenerator } from '../src/bench/latency-data.js';
import { rescore, toI8 } from '../src/stores/ann/row-rescore.mjs';
import { relinkStranded } from '../src/stores/ann/stranded.js';
import { embeddingLike } from './embedding-like.js';

const { values: flags } = parseArgs({
  options: {
    phase: { type: 'string', default: 'measure' },
    set: { type: 'string', default: 'lat100k' },
    dir: { type: 'string', default: '/tmp/ann-degree' },
    configs: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    queries: { type: 'string', default: '512' },
    beam: { type: 'string', default: '100' },
    k: { type: 'string', default: '100' },
    threads: { type: 'string', default: '2' },
    out: { type: 'string' },
    'data-dir': { type: 'string' },
    'rate-rows': { type: 'string', default: '20000' },
    /** Check every added row is reachable and add stranded ones again, as the store does (~0.6x the add's CPU). */
    relink: { type: 'boolean', default: false },
  },
});
const log = (s: string) => process.stdout.write(`${s}\n`);
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const Q = Number(flags.queries);
const BEAM = Number(flags.beam);
const K = Number(flags.k);
/** M/efConstruction[/beam]: the beam (search ef) defaults to --beam; usearch walks max(beam, k). */
const configs = (flags.configs ?? '24/128,16/128,12/128').split(',').map((c) => {
  const [m, efc, beam] = c.split('/').map(Number);
  const ef = beam ?? BEAM;
  return { m: m!, efc: efc!, beam: ef, name: `M${m}/efc${efc}${ef === BEAM ? '' : `/ef${ef}`}` };
});

interface List {
  name: string;
  dim: number;
  rows: Float32Array;
  queries: Float32Array[];
}

/** bench/latency's data exactly (src/bench/latency-run.ts ingest: batches of 2,000, 64 centroids each, its queries). */
function latencySet(n: number): List[] {
  const dims: Record<string, number> = { text: 384, image: 512, audio: 512 };
  const names = Object.keys(dims);
  const BATCH = 2000;
  const POOL = 512;
  const words = new TextGenerator(new Rng(7));
  const rng = new Rng(99);
  const lists = names.map((name) => ({
    name,
    dim: dims[name]!,
    rows: new Float32Array(n * dims[name]!),
    queries: [] as Float32Array[],
  }));
  const perBatch = Math.ceil(POOL / Math.ceil(n / BATCH));
  let pooled = 0;
  for (let start = 0; start < n; start += BATCH) {
    const size = Math.min(BATCH, n - start);
    const vecs = names.map((name, i) => clusteredVectors(size, dims[name]!, 64, 1000 * i + start));
    const texts = Array.from({ length: size }, () => `${words.text(3, 6)} ${words.text(10, 30)}`);
    vecs.forEach((vs, i) => vs.forEach((v, k) => lists[i]!.rows.set(v, (start + k) * v.length)));
    for (let k = 0; k < Math.min(perBatch, size); k++) {
      if (pooled >= POOL) break;
      queryText(texts[k]!, rng);
      names.forEach((_, i) => lists[i]!.queries.push(perturb(vecs[i]![k]!, rng)));
      pooled++;
    }
  }
  return lists;
}

/** Embedding-like vectors (bench/store's generator), 100k x 384 and 100k x 512, fresh queries from the same space. */
function embeddingSet(n: number): List[] {
  return [
    { name: 'emb384', dim: 384, seed: 7 },
    { name: 'emb512', dim: 512, seed: 8 },
  ].map(({ name, dim, seed }) => {
    const gen = embeddingLike({ dim, seed });
    const rng = new Rng(seed * 1000 + 1);
    const rows = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) rows.set(gen(rng), i * dim);
    return { name, dim, rows, queries: Array.from({ length: Q }, () => gen(rng)) };
  });
}

function dataSet(): List[] {
  if (flags.set === 'lat100k') return latencySet(100_000);
  if (flags.set === 'lat20k') return latencySet(20_000);
  if (flags.set === 'emb100k') return embeddingSet(100_000);
  throw new Error(`unknown set ${flags.set}`);
}

const fileOf = (list: List, c: { m: number; efc: number }) =>
  path.join(flags.dir, `${flags.set}-${list.name}-M${c.m}-efc${c.efc}.usearch`);

function newIndex(dim: number, m: number, efc: number, beam = BEAM): Index {
  return new Index({
    dimensions: dim,
    metric: MetricKind.Cos,
    quantization: ScalarKind.I8,
    connectivity: m,
    expansion_add: efc,
    expansion_search: beam,
    multi: false,
  });
}

/** Builds as a store rebuild does: i8 codes (toI8), parallel adds in slices (stranded rows relinked with --relink). */
function build(lists: List[]): void {
  mkdirSync(flags.dir, { recursive: true });
  const threads = Number(flags.threads);
  const SLICE = 10_000;
  for (const c of configs)
    for (const list of lists) {
      const file = fileOf(list, c);
      if (existsSync(file)) continue;
      const n = list.rows.length / list.dim;
      const g = newIndex(list.dim, c.m, c.efc);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      let relinked = 0;
      for (let at = 0; at < n; at += SLICE) {
        const m = Math.min(SLICE, n - at);
        const keys = BigUint64Array.from({ length: m }, (_, i) => BigInt(at + i));
        const codes = toI8(list.rows.subarray(at * list.dim, (at + m) * list.dim), list.dim);
        g.add(keys, codes, threads);
        if (flags.relink) relinked += relinkStranded(g, keys, codes, list.dim, threads);
      }
      const cpu = process.cpuUsage(cpu0);
      g.save(file);
      log(
        `built ${path.basename(file)}: ${n} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s wall, ` +
          `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU (relink check ${flags.relink ? 'on' : 'off'}), relinked ${relinked}, load ${load().join(' ')}`,
      );
    }
}

/** Keys of the exact top 10 and top `k` per query (ground truth). */
function truth(list: List, k: number): { top10: Set<number>[]; topK: Set<number>[] } {
  const exact = list.queries.map((q) =>
    Array.from(exactSearch(list.rows, q, list.dim, k, MetricKind.Cos, 1).keys, (x) => Number(x)),
  );
  return { top10: exact.map((e) => new Set(e.slice(0, 10))), topK: exact.map((e) => new Set(e)) };
}

function tInterval(logs: number[]): [number, number, number] {
  const n = logs.length;
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const t = [0, 12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23][n - 1] ?? 2.2;
  const h = (t * sd) / Math.sqrt(n);
  return [Math.exp(mean), Math.exp(mean - h), Math.exp(mean + h)];
}

function measure(lists: List[]): void {
  const rounds = Number(flags.rounds);
  const loadStart = load();
  const exact = lists.map((l) => truth(l, K));
  const exact10 = exact.map((e) => e.top10);
  const exact100 = exact.map((e) => e.topK);
  const graphs = configs.map((c) =>
    lists.map((l) => {
      const g = newIndex(l.dim, c.m, c.efc, c.beam);
      g.view(fileOf(l, c));
      return g;
    }),
  );
  const codes = lists.map((l) => l.queries.map((q) => toI8(q, l.dim)));
  const rowsOf = lists.map((l) => ({ chunkRows: l.rows.length / l.dim, chunks: [l.rows] }));
  const nq = Math.min(Q, ...lists.map((l) => l.queries.length));
  // One "request" = one search per list, lists in order (as a worker runs a request's lists graph by graph).
  const pass = (ci: number, record?: { walk: number[]; total: number[] }) => {
    const walk = lists.map(() => 0);
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < nq; i++)
      for (let li = 0; li < lists.length; li++) {
        const t = performance.now();
        const res = graphs[ci]![li]!.search(codes[li]![i]!, Math.max(K, configs[ci]!.beam), 1);
        walk[li]! += performance.now() - t;
        rescore(res, lists[li]!.queries[i]!, lists[li]!.dim, MetricKind.Cos, rowsOf[li]!, K);
      }
    const cpu = process.cpuUsage(cpu0);
    record?.walk.push(...walk.map((w) => w / nq));
    record?.total.push((cpu.user + cpu.system) / 1000 / nq);
  };
  // Recall (untimed) and one warm pass per config.
  const recall = configs.map((_, ci) =>
    lists.map((l, li) => {
      let h10 = 0;
      let h100 = 0;
      for (let i = 0; i < nq; i++) {
        const res = graphs[ci]![li]!.search(codes[li]![i]!, Math.max(K, configs[ci]!.beam), 1);
        const got = rescore(res, l.queries[i]!, l.dim, MetricKind.Cos, rowsOf[li]!, K);
        got.keys.forEach((key, j) => {
          if (j < 10 && exact10[li]![i]!.has(key)) h10++;
          if (exact100[li]![i]!.has(key)) h100++;
        });
      }
      return { recall10: r3(h10 / (nq * 10)), recallK: r3(h100 / (nq * K)) };
    }),
  );
  configs.forEach((_, ci) => pass(ci));
  // walk[ci][round][list] ms per search; total[ci][round] CPU ms per request (all lists, walk + re-score)
  const walk = configs.map(() => [] as number[][]);
  const total = configs.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = configs.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const ci of order) {
      const rec = { walk: [] as number[], total: [] as number[] };
      pass(ci, rec);
      walk[ci]!.push(rec.walk);
      total[ci]!.push(rec.total[0]!);
    }
  }
  const loadEnd = load();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const result = configs.map((c, ci) => {
    const ratioTotal = tInterval(total[ci]!.map((x, r) => Math.log(x / total[0]![r]!)));
    return {
      config: c.name,
      lists: lists.map((l, li) => ({
        list: `${l.name} (${l.dim})`,
        ...recall[ci]![li]!,
        walkMsMedian: r3(median(walk[ci]!.map((w) => w[li]!))),
        walkVsFirst: tInterval(walk[ci]!.map((w, r) => Math.log(w[li]! / walk[0]![r]![li]!))).map(
          r3,
        ),
      })),
      requestCpuMsMedian: r3(median(total[ci]!)),
      requestCpuVsFirst: ratioTotal.map(r3),
    };
  });
  for (const x of result) {
    log(
      `${x.config}: request CPU (${lists.length} walks + re-score) median ${x.requestCpuMsMedian} ms, ` +
        `vs ${configs[0]!.name} ${x.requestCpuVsFirst[0]}x [${x.requestCpuVsFirst[1]}, ${x.requestCpuVsFirst[2]}]`,
    );
    for (const l of x.lists)
      log(
        `  ${l.list}: recall@10 ${l.recall10}, recall@${K} ${l.recallK}, walk ${l.walkMsMedian} ms ` +
          `(${l.walkVsFirst[0]}x [${l.walkVsFirst[1]}, ${l.walkVsFirst[2]}])`,
      );
  }
  log(`load ${loadStart.join(' ')} -> ${loadEnd.join(' ')}; ${rounds} rounds x ${nq} requests`);
  if (flags.out)
    writeFileSync(
      flags.out,
      JSON.stringify(
        { set: flags.set, beam: BEAM, k: K, queries: nq, rounds, loadStart, loadEnd, result },
        null,
        2,
      ),
    );
}

/**
 * recall@10 and recall@k through the store itself (LanceDbStore.search, its defaults: the graph a server builds or
 * rebuilds on open, incremental absorption included) on a bench/latency data directory (--data-dir, lat sets only).
 */
async function storeRecall(lists: List[]): Promise<void> {
  const { LanceDbStore } = await import('../src/stores/lancedb-store.js');
  // The first --configs entry given explicitly sets the build settings (else the store's defaults).
  const c = configs[0]!;
  const store = await LanceDbStore.open({
    dataDir: flags['data-dir']!,
    annSaveIdleMs: 3_600_000,
    hnsw:
      flags.configs === undefined
        ? {}
        : { connectivity: c.m, expansionAdd: c.efc, expansionSearch: c.beam },
  });
  const info = (await store.indexInfo('bench')).filter((i) => i.type === 'usearch-hnsw');
  log(`index: ${JSON.stringify(info)}`);
  for (const l of lists) {
    const { top10, topK } = truth(l, K);
    let h10 = 0;
    let hK = 0;
    for (let i = 0; i < l.queries.length; i++) {
      const got = await store.search('bench', l.name, l.queries[i]!, K);
      got.forEach((h, j) => {
        const key = Number(h.id.slice('item-'.length));
        if (j < 10 && top10[i]!.has(key)) h10++;
        if (topK[i]!.has(key)) hK++;
      });
    }
    const nq = l.queries.length;
    log(
      `  ${l.name} (${l.dim}): store recall@10 ${r3(h10 / (nq * 10))}, recall@${K} ${r3(hK / (nq * K))} (${nq} queries)`,
    );
  }
  await store.close();
}

/**
 * Absorption speed per config: a fresh graph of the first --rate-rows rows of each list, added on one thread in
 * 1,024-row calls (the absorber's slices), configs alternated over --rounds; rows per CPU second.
 */
function buildRate(lists: List[]): void {
  const rows = Number(flags['rate-rows']);
  const rounds = Number(flags.rounds);
  const loadStart = load();
  const rate = configs.map(() => lists.map(() => [] as number[]));
  for (let r = 0; r < rounds; r++) {
    const order = configs.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const ci of order)
      lists.forEach((l, li) => {
        const g = newIndex(l.dim, configs[ci]!.m, configs[ci]!.efc);
        const codes = toI8(l.rows.subarray(0, rows * l.dim), l.dim);
        const cpu0 = process.cpuUsage();
        for (let at = 0; at < rows; at += 1024) {
          const m = Math.min(1024, rows - at);
          const keys = BigUint64Array.from({ length: m }, (_, i) => BigInt(at + i));
          g.add(keys, codes.subarray(at * l.dim, (at + m) * l.dim), 1);
        }
        const cpu = process.cpuUsage(cpu0);
        rate[ci]![li]!.push(rows / ((cpu.user + cpu.system) / 1e6));
      });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  configs.forEach((c, ci) =>
    log(
      `${c.name}: ` +
        lists
          .map((l, li) => {
            const [g, lo, hi] = tInterval(
              rate[ci]![li]!.map((x, r) => Math.log(x / rate[0]![li]![r]!)),
            );
            return `${l.name} ${Math.round(median(rate[ci]![li]!))} rows/CPU-s (${r3(g)}x [${r3(lo)}, ${r3(hi)}])`;
          })
          .join(', '),
    ),
  );
  log(
    `load ${loadStart.join(' ')} -> ${load().join(' ')}; ${rounds} rounds x ${rows} rows, one thread`,
  );
}

const lists = dataSet();
if (flags.phase === 'rate') {
  buildRate(lists);
  process.exit(0);
}
if (flags.phase === 'build') build(lists);
else if (flags.phase === 'store') await storeRecall(lists);
else measure(lists);
