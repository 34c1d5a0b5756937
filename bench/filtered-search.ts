/**
 * Filtered vector search through the embedded store, per filter kind and selectivity, against a brute-force
 * baseline measured in the same run: every payload held in a JS array, the store's own compiled predicate, exact
 * cosine over the matching rows (an in-memory exact plan with no payload index); and an ideal payload index:
 * the matching rows known before the query (finding them costs nothing), exact cosine over them in the same JS loop.
 *   npx tsx bench/filtered-search.ts [--n 20000] [--dim 384] [--queries 100]
 * Data: embedding-like unit vectors (rank 48, spectrum (1+r)^-0.8, 5% noise); payloads with a 50-value keyword
 * (`brand`), a point spread over Europe (`place`) and a price 0-1000 (`price`). Writes bench/results/filtered-search.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../rerankers/random.js';
import { recordRun } from '../src/bench/results-file.js';
import type { Filter } from '../src/domain/filter.js';
import type { Payload } from '../src/domain/item.js';
import { compileFilter } from '../src/domain/filter-predicate.js';
import { LanceDbStore } from '../src/stores/lancedb-store.js';
import { embeddingLike, percentile } from './embedding-like.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    dim: { type: 'string', default: '384' },
    queries: { type: 'string', default: '100' },
  },
});
const N = Number(args.n);
const DIM = Number(args.dim);
const Q = Number(args.queries);
const K = 10;
const PARIS = { lat: 48.86, lon: 2.35 };

const rng = new Rng(7);
const vector = embeddingLike({ dim: DIM, seed: 11 });
const rows = new Float32Array(N * DIM);
const payloads: Payload[] = [];
for (let i = 0; i < N; i++) {
  rows.set(vector(rng), i * DIM);
  payloads.push({
    brand: `b${i % 50}`,
    place: { lat: 35 + rng.next() * 30, lon: -10 + rng.next() * 40 },
    price: Math.round(rng.next() * 100_000) / 100,
  });
}
const queries = Array.from({ length: Q }, () => vector(rng));

const filters: [string, Filter][] = [
  ['keyword, 2 of 50 values (4%)', { must: [{ key: 'brand', in: ['b1', 'b2'] }] }],
  [
    'keyword, 25 of 50 values (50%)',
    { must: [{ key: 'brand', in: Array.from({ length: 25 }, (_, i) => `b${i}`) }] },
  ],
  ['price range, 4% of the span', { must: [{ key: 'price', range: { gte: 100, lt: 140 } }] }],
  [
    'geo_radius 200 km',
    { must: [{ key: 'place', geo_radius: { center: PARIS, radius: 200_000 } }] },
  ],
  [
    'geo_radius 1,500 km',
    { must: [{ key: 'place', geo_radius: { center: PARIS, radius: 1_500_000 } }] },
  ],
  [
    'geo box 4 x 6 degrees',
    {
      must: [
        {
          key: 'place',
          geo_bounding_box: { top_left: { lat: 52, lon: -1 }, bottom_right: { lat: 48, lon: 5 } },
        },
      ],
    },
  ],
];

const loadBefore = os.loadavg()[0]!;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'chorus-filtered-'));
const store = await LanceDbStore.open({ dataDir: tmp });
const indexes = { brand: 'keyword', place: 'geo', price: 'float' } as const;
await store.createCollection({
  name: 's',
  vectors: { v: { modality: 'text', dim: DIM } },
  payloadIndexes: indexes,
});
for (let i = 0; i < N; i += 5000)
  await store.upsert(
    's',
    Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({
      id: String(i + j),
      payload: payloads[i + j]!,
      vectors: { v: rows.subarray((i + j) * DIM, (i + j + 1) * DIM) },
    })),
  );
await store.flushIndex('s');

/** The baseline: predicate over every payload in memory, then exact cosine (unit rows: dot) over the matches. */
function bruteForce(q: Float32Array, predicate: (p: Payload) => boolean): number[] {
  const best: { i: number; s: number }[] = [];
  for (let i = 0; i < N; i++) {
    if (!predicate(payloads[i]!)) continue;
    offer(best, q, i);
  }
  return best.map((b) => b.i);
}

/**
 * An ideal payload index: the matching rows known before the query (finding them costs nothing), exact cosine over
 * them only, in the same JS loop as the brute force (the store scores natively, so it can come close).
 */
function knownMatches(q: Float32Array, matches: readonly number[]): number[] {
  const best: { i: number; s: number }[] = [];
  for (const i of matches) offer(best, q, i);
  return best.map((b) => b.i);
}

/** Scores row i and keeps it among the K best so far. */
function offer(best: { i: number; s: number }[], q: Float32Array, i: number): void {
  let s = 0;
  const off = i * DIM;
  for (let j = 0; j < DIM; j++) s += q[j]! * rows[off + j]!;
  if (best.length < K || s > best[best.length - 1]!.s) {
    best.push({ i, s });
    best.sort((a, b) => b.s - a.s);
    if (best.length > K) best.pop();
  }
}

const results: Record<string, unknown>[] = [];
for (const [label, filter] of filters) {
  const predicate = compileFilter(filter, indexes);
  const matches = payloads.flatMap((p, i) => (predicate(p) ? [i] : []));
  const matched = matches.length;
  const storeMs: number[] = [];
  const baseMs: number[] = [];
  const boundMs: number[] = [];
  const plans = new Map<string, number>();
  let agree = 0;
  for (let round = 0; round < 2; round++)
    for (const q of queries) {
      // Alternated per query, after a first warm-up round.
      let t = performance.now();
      let plan = '';
      const hits = await store.search('s', 'v', q, K, { filter, onPlan: (p) => (plan = p) });
      const sMs = performance.now() - t;
      t = performance.now();
      const exact = bruteForce(q, predicate);
      const bMs = performance.now() - t;
      t = performance.now();
      knownMatches(q, matches);
      const kMs = performance.now() - t;
      if (round === 0) continue;
      storeMs.push(sMs);
      baseMs.push(bMs);
      boundMs.push(kMs);
      plans.set(plan, (plans.get(plan) ?? 0) + 1);
      const got = new Set(hits.map((h) => Number(h.id)));
      agree += exact.filter((i) => got.has(i)).length / Math.max(1, exact.length);
    }
  const row = {
    filter: label,
    matched,
    plans: Object.fromEntries(plans),
    storeP50: percentile(storeMs, 50),
    storeP99: percentile(storeMs, 99),
    bruteForceP50: percentile(baseMs, 50),
    bruteForceP99: percentile(baseMs, 99),
    knownMatchesP50: percentile(boundMs, 50),
    knownMatchesP99: percentile(boundMs, 99),
    recallAt10: agree / Q,
  };
  results.push(row);
  console.log(
    `${label}: ${matched} of ${N} match; store (${[...plans.keys()].join('/')}) p50 ${row.storeP50.toFixed(2)} ms, p99 ${row.storeP99.toFixed(2)} ms; ` +
      `in-memory brute force p50 ${row.bruteForceP50.toFixed(2)} ms, p99 ${row.bruteForceP99.toFixed(2)} ms; ` +
      `exact over the known matches p50 ${row.knownMatchesP50.toFixed(2)} ms, p99 ${row.knownMatchesP99.toFixed(2)} ms; recall@10 ${row.recallAt10.toFixed(3)}`,
  );
}
await store.close();
rmSync(tmp, { recursive: true, force: true });
recordRun(path.resolve(import.meta.dirname, 'results'), 'filtered-search.json', String(N), {
  data: `${N} embedding-like unit vectors x ${DIM} (rank 48, decay 0.8, noise 0.05); payload: keyword of 50 values, a point over Europe, a price 0-1000; ${Q} queries from the same distribution`,
  n: N,
  dim: DIM,
  queries: Q,
  k: K,
  results,
  loadAverage: [loadBefore, os.loadavg()[0]!].map((x) => Math.round(x * 100) / 100),
  at: new Date().toISOString(),
});
