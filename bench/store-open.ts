// bench/store-open: a big single-vector collection in the embedded store (issue 14: 1M x 384): time from process
// start of the store to the first answer when the index was saved, single-client search p50/p99 and recall@10 vs an
// exact scan, and the memory it takes. Builds the data directory once (table written in bulk, the index built by the
// store's own rebuild-from-table path and saved) and reuses it on later runs: `--dir` keeps it.
// The open and the searches run in a fresh child process, so nothing the build left in memory counts.
// Usage: npx tsx bench/store-open.ts [--n 1000000] [--dim 384] [--dir /tmp/chorus-open-1m] [--queries 500]
// `--build-only` builds (or completes) the directory and its queries and stops before anything is timed, so the long
// build can run niced in the background and the timed part later on a quiet machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as lancedb from '@lancedb/lancedb';
import { exactSearch, MetricKind } from 'usearch';
import { Rng } from '../rerankers/random.js';
import { LanceDbStore } from '../src/stores/lancedb-store.js';
import { arrowSchemaFor } from '../src/stores/lancedb/columns.js';
import { itemsToArrow } from '../src/stores/lancedb/rows.js';
import { embeddingLike, percentile } from './embedding-like.js';

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    dim: { type: 'string', default: '384' },
    dir: { type: 'string' },
    queries: { type: 'string', default: '500' },
    k: { type: 'string', default: '10' },
    child: { type: 'boolean', default: false },
    'build-only': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/store-open.json' },
  },
});
const N = Number(flags.n);
const DIM = Number(flags.dim);
const Q = Number(flags.queries);
const K = Number(flags.k);
const DIR = path.resolve(flags.dir ?? path.join(os.tmpdir(), `chorus-open-${N}x${DIM}`));
const QUERIES = path.join(DIR, 'bench-queries.json');
const r2 = (x: number) => Math.round(x * 100) / 100;
const load = () => os.loadavg().map(r2);
const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const log = (s: string) => process.stderr.write(`${s}\n`);
const schema = {
  name: 'open',
  vectors: { text: { modality: 'text' as const, dim: DIM } },
  payloadIndexes: { cat: 'keyword' as const },
};

if (flags.child) await child();
else await parent();

/** Opens the saved directory, times the first answer, then single-client searches; prints one JSON line. */
async function child(): Promise<void> {
  const { queries, truth } = JSON.parse(readFileSync(QUERIES, 'utf8')) as {
    queries: number[][];
    truth: string[][];
  };
  const qs = queries.map((q) => Float32Array.from(q));
  const rss0 = mb();
  const t0 = performance.now();
  const store = await LanceDbStore.open({ dataDir: DIR });
  const first = await store.search('open', 'text', qs[0]!, K);
  const openS = (performance.now() - t0) / 1000;
  const rssOpen = mb();
  const info = (await store.indexInfo('open')).find((x) => x.type === 'usearch-hnsw');
  const ms: number[] = [];
  let hit = 0;
  for (let i = 0; i < qs.length; i++) {
    const t = performance.now();
    const hits = await store.search('open', 'text', qs[i]!, K);
    ms.push(performance.now() - t);
    const want = new Set(truth[i]);
    hit += hits.filter((h) => want.has(h.id)).length;
  }
  const out = {
    openToFirstSearchS: r2(openS),
    firstHits: first.length,
    index: info,
    search: {
      queries: qs.length,
      k: K,
      p50Ms: r2(percentile(ms, 50)),
      p99Ms: r2(percentile(ms, 99)),
      maxMs: r2(Math.max(...ms)),
      recallAt10: r2(hit / (qs.length * Math.min(10, K))),
    },
    rssMB: { beforeOpen: rss0, afterFirstSearch: rssOpen, afterSearches: mb() },
  };
  // Close without waiting on a save: nothing was written.
  await store.close();
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function parent(): Promise<void> {
  log(`bench/store-open: n=${N} dim=${DIM} dir=${DIR} cores=${os.cpus().length} load=${load()}`);
  const gen = embeddingLike({ dim: DIM, seed: 4242 });
  const tableDir = path.join(DIR, 'lancedb', 'open.lance');
  let buildS: number | undefined;
  const t0 = performance.now();
  if (!existsSync(tableDir)) {
    // The table in bulk (the store's write path is measured elsewhere).
    mkdirSync(DIR, { recursive: true });
    const rng = new Rng(11);
    const store = await LanceDbStore.open({ dataDir: DIR });
    await store.createCollection(schema);
    await store.close();
    const cs = await storeSchema();
    const arrowSchema = arrowSchemaFor(cs);
    const db = await lancedb.connect(path.join(DIR, 'lancedb'));
    const table = await db.openTable('open');
    const B = 50_000;
    for (let i = 0; i < N; i += B) {
      const items = [];
      for (let r = i; r < Math.min(N, i + B); r++)
        items.push({ id: `i${r}`, payload: { cat: `c${r % 100}` }, vectors: { text: gen(rng) } });
      await table.add(itemsToArrow(cs, arrowSchema, items));
      log(`  table ${Math.min(N, i + B)}/${N} (${r2((performance.now() - t0) / 1000)} s)`);
    }
    await table.optimize();
    table.close();
    db.close();
  }
  if (!existsSync(path.join(DIR, 'lancedb', 'open.ann', 'manifest.json'))) {
    // The store's own rebuild-from-table path, absorbed with every core and saved by flushIndex.
    const store = await LanceDbStore.open({ dataDir: DIR });
    const t1 = performance.now();
    await store.flushIndex('open');
    log(`  index built and saved in ${r2((performance.now() - t1) / 1000)} s`);
    await store.close();
    buildS = r2((performance.now() - t0) / 1000);
  }
  {
    // The table as the store's own writes leave it (compacted, id index for the hits' payload reads).
    const store = await LanceDbStore.open({ dataDir: DIR });
    await store.maintain('open');
    await store.close();
  }
  if (!existsSync(QUERIES)) {
    // Ground truth: an exact scan over the vectors as stored.
    const { ids, data } = await readVectors();
    const rng = new Rng(12);
    const queries = Array.from({ length: Q }, () => gen(rng));
    const truth = queries.map((q) =>
      Array.from(
        exactSearch(data, q, DIM, Math.min(10, K), MetricKind.Cos, 0).keys,
        (k) => ids[Number(k)]!,
      ),
    );
    writeFileSync(QUERIES, JSON.stringify({ queries: queries.map((q) => Array.from(q)), truth }));
  }
  if (flags['build-only']) {
    log(
      `built ${DIR}${buildS === undefined ? '' : ` in ${buildS} s`}; nothing timed (--build-only)`,
    );
    return;
  }
  const loadBefore = load();
  const script = fileURLToPath(import.meta.url);
  const runs = [0, 1].map(() =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          script,
          '--child',
          '--n',
          String(N),
          '--dim',
          String(DIM),
          '--dir',
          DIR,
          '--k',
          String(K),
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 },
      )
        .trim()
        .split('\n')
        .pop()!,
    ),
  );
  const result = {
    bench: 'store-open',
    at: new Date().toISOString(),
    data: `${N} embedding-like unit vectors (rank 48, decay 0.8, noise 0.05), dim ${DIM}, cosine; ${Q} queries from the same distribution; recall@10 vs exact scan`,
    machine: { cpus: os.cpus().length, memGB: Math.round(os.totalmem() / 2 ** 30) },
    n: N,
    dim: DIM,
    buildS,
    // The first child opens with a cold page cache for the index file only if the OS dropped it; the second is warm.
    runs,
    loadAverage: [loadBefore[0], load()[0]],
    targets: { openUnderS: 10, p99UnderMs: 100 },
  };
  log(JSON.stringify(result, null, 2));
  mkdirSync(path.dirname(flags.out), { recursive: true });
  const prev = existsSync(flags.out)
    ? (JSON.parse(readFileSync(flags.out, 'utf8')) as Record<string, unknown>)
    : {};
  writeFileSync(flags.out, JSON.stringify({ ...prev, [`n${N}_d${DIM}`]: result }, null, 2) + '\n');
  log(`wrote ${flags.out}`);
}

/** Every stored vector, in table order, as one buffer (offset 0: usearch ignores byteOffset). */
async function readVectors(): Promise<{ ids: string[]; data: Float32Array }> {
  const db = await lancedb.connect(path.join(DIR, 'lancedb'));
  const table = await db.openTable('open');
  const ids: string[] = [];
  const data = new Float32Array(N * DIM);
  type Batch = {
    numRows: number;
    getChild(name: string): { get(i: number): unknown; toArray(): unknown[] } | null;
  };
  for await (const b of table.query().select(['id', 'v_text']) as unknown as AsyncIterable<Batch>) {
    const idCol = b.getChild('id')!;
    const vCol = b.getChild('v_text')!;
    for (let i = 0; i < b.numRows; i++) {
      const v = vCol.get(i) as { toArray(): Float32Array };
      data.set(v.toArray(), ids.length * DIM);
      ids.push(String(idCol.get(i)));
    }
  }
  table.close();
  db.close();
  return { ids, data: ids.length === N ? data : data.slice(0, ids.length * DIM) };
}

async function storeSchema() {
  const store = await LanceDbStore.open({ dataDir: DIR, readConsistencyIntervalS: null });
  const s = await store.openCollection('open');
  await store.close();
  return s;
}
