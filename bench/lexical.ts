/**
 * bench/lexical: how BM25 postings are kept, measured side by side in one run on the same data.
 *   - on-disk block postings + block-max MaxScore (Chorus's Bm25Index),
 *   - the previous design (postings rebuilt in JS Maps on open, every match scored and sorted),
 *   - SQLite FTS5 over Chorus's analyzed tokens, ranked by FTS5's bm25().
 * For each: build time, open-to-first-answer time (what every process pays on start), JS heap held after open,
 * query p50/p99 and queries/s (k 100, one client), nDCG@10 where there are judgments.
 * Data: BEIR SciFact (real, 5,183 docs, 300 judged queries) and a larger synthetic corpus drawn from SciFact's
 * own token distribution (document lengths 8-40 tokens), queried with SciFact's queries.
 *   node --expose-gc --import tsx bench/lexical.ts [--dataset /work/shared/data/beir_scifact] [--synthetic 100000]
 * Writes bench/results/lexical.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../rerankers/random.js';
import { termFrequencies, tokenize } from '../src/lexical/analyzer.js';
import { Bm25Index, DEFAULT_BM25, type LexicalDoc } from '../src/lexical/bm25-index.js';
import { readCorpus, readQrels, readQueries } from '../src/bench/beir-data.js';
import { ndcgAt, type Qrels } from '../src/bench/ir-metrics.js';
import { percentile } from '../src/bench/latency-data.js';
import { fts5, memoryMaps, type LexicalVariant } from './lexical-baselines.js';

const { values: flags } = parseArgs({
  options: {
    dataset: { type: 'string', default: '/work/shared/data/beir_scifact' },
    synthetic: { type: 'string', default: '100000' },
    k: { type: 'string', default: '100' },
    seed: { type: 'string', default: '5' },
    'synthetic-queries': { type: 'string', default: '100' },
  },
});
const K = Number(flags.k);
const log = (s: string) => process.stdout.write(`${s}\n`);
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const onDisk: LexicalVariant = {
  name: 'on-disk blocks + block-max MaxScore (Chorus)',
  build(file, docs) {
    const idx = new Bm25Index(file);
    for (let i = 0; i < docs.length; i += 2000) idx.upsert('c', docs.slice(i, i + 2000));
    idx.close();
  },
  open(file) {
    // The baselines correct no typos: the layouts are compared on exactly the same scoring.
    const idx = new Bm25Index(file, { ...DEFAULT_BM25, typoTolerance: false });
    return { search: (q, k) => idx.search('c', q, k), close: () => idx.close() };
  },
};
const VARIANTS = [onDisk, memoryMaps, fts5];

interface VariantResult {
  variant: string;
  buildSeconds: number;
  openToFirstAnswerMs: number;
  heapAfterOpenMb: number;
  p50Ms: number;
  p99Ms: number;
  qps: number;
  ndcg10?: number;
}

function measure(
  v: LexicalVariant,
  docs: LexicalDoc[],
  queries: [string, string][],
  qrels?: Map<string, Qrels>,
): VariantResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-lexical-bench-'));
  try {
    const file = path.join(dir, 'lex.sqlite');
    let t = performance.now();
    v.build(file, docs);
    const buildSeconds = (performance.now() - t) / 1000;
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    t = performance.now();
    const idx = v.open(file);
    idx.search(queries[0]![1], K);
    const openToFirstAnswerMs = performance.now() - t;
    global.gc?.();
    const heapAfterOpenMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    for (const [, q] of queries) idx.search(q, K); // warm-up pass
    const times: number[] = [];
    let ndcg = 0;
    const t0 = performance.now();
    for (const [qid, q] of queries) {
      const s = performance.now();
      const hits = idx.search(q, K);
      times.push(performance.now() - s);
      const rel = qrels?.get(qid);
      if (rel)
        ndcg += ndcgAt(
          hits.map((h) => h.id),
          rel,
          10,
        );
    }
    const seconds = (performance.now() - t0) / 1000;
    idx.close();
    times.sort((a, b) => a - b);
    return {
      variant: v.name,
      buildSeconds: round(buildSeconds),
      openToFirstAnswerMs: round(openToFirstAnswerMs),
      heapAfterOpenMb: round(Math.max(0, heapAfterOpenMb), 1),
      p50Ms: round(percentile(times, 50), 3),
      p99Ms: round(percentile(times, 99), 3),
      qps: round(queries.length / seconds, 1),
      ...(qrels ? { ndcg10: round(ndcg / queries.length, 4) } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Documents drawn from the real corpus's token distribution, so postings lengths are realistic. */
function syntheticCorpus(real: LexicalDoc[], n: number, seed: number): LexicalDoc[] {
  const rng = new Rng(seed);
  const pool: string[] = [];
  for (const d of real) pool.push(...tokenize(d.text));
  return Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    text: Array.from(
      { length: 8 + Math.floor(rng.next() * 33) },
      () => pool[Math.floor(rng.next() * pool.length)]!,
    ).join(' '),
  }));
}

function table(title: string, rows: VariantResult[]): void {
  log(`\n${title}`);
  log(
    '| variant | build s | open→first answer ms | heap after open MB | p50 ms | p99 ms | q/s | nDCG@10 |',
  );
  log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    log(
      `| ${r.variant} | ${r.buildSeconds} | ${r.openToFirstAnswerMs} | ${r.heapAfterOpenMb} | ${r.p50Ms} | ${r.p99Ms} | ${r.qps} | ${r.ndcg10 ?? '–'} |`,
    );
  }
}

const loadBefore = os.loadavg();
const real: LexicalDoc[] = [];
for await (const d of readCorpus(flags.dataset))
  real.push({ id: d.id, text: `${d.title}\n${d.text}` });
const allQueries = readQueries(flags.dataset);
const qrels = readQrels(flags.dataset, 'test');
const judged = [...qrels.keys()]
  .filter((q) => allQueries.has(q))
  .map((q) => [q, allQueries.get(q)!] as [string, string]);
log(
  `SciFact: ${real.length} docs, ${judged.length} judged queries; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`,
);

// Analyze once up front so the stem cache is equally warm for every variant's build.
for (const d of real) termFrequencies(d.text);
const scifact = VARIANTS.map((v) => measure(v, real, judged, qrels));
table(`BEIR SciFact (${real.length} docs, ${judged.length} queries, k ${K})`, scifact);
const n = Number(flags.synthetic);
let synthetic: VariantResult[] = [];
if (n > 0) {
  const docs = syntheticCorpus(real, n, Number(flags.seed));
  for (const d of docs) termFrequencies(d.text);
  const queries = judged.slice(0, Number(flags['synthetic-queries']));
  synthetic = VARIANTS.map((v) => measure(v, docs, queries));
  table(
    `Synthetic ${n} docs (SciFact token distribution, 8-40 tokens), ${queries.length} SciFact queries, k ${K}`,
    synthetic,
  );
}
const loadAfter = os.loadavg();
log(`\nload average after: ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);

const resultsDir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  path.join(resultsDir, 'lexical.json'),
  JSON.stringify(
    {
      data: {
        scifact: `BEIR SciFact, ${real.length} docs, ${judged.length} judged test queries`,
        synthetic:
          n > 0
            ? `${n} docs drawn from SciFact's token distribution (8-40 tokens), SciFact queries`
            : undefined,
      },
      k: K,
      cpus: os.cpus().length,
      loadAverage: { before: loadBefore, after: loadAfter },
      scifact,
      synthetic,
      at: new Date().toISOString(),
    },
    null,
    2,
  ) + '\n',
);
