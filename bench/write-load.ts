// bench/write-load: a bulk load of precomputed vectors over HTTP, as a user loading a catalogue would (issue 17).
// Items with three vectors (384 + 512 + 512, embedding-like) and text go to a real `chorus serve` (another
// process) as POST /v1/items batches from N connections, while searches run at a fixed rate (--search-every-ms). Printed beside the
// store's own write rate measured in the same run (the same batches straight into the store, in process).
// Writes bench/results/write-load.json.
// The request bodies are generated and serialised BEFORE the clock starts (cached in the temp dir): a bulk loader
// reads prepared vectors from a file; generating 1,408 random numbers per item and JSON.stringify-ing them took
// ~0.4 of a core on the same 2 cores as the server. The requests themselves are real HTTP (keep-alive, one socket
// per connection) and every answer is checked (status 200 and `upserted` equal to the batch size).
// Usage: npx tsx bench/write-load.ts [--items 100000] [--batch 100] [--connections 8] [--raw-items 20000]
//        [--search-every-ms 250] [--max-seconds 0 (no bound)] [--out bench/results/write-load.json]
//        [--server-cpu-prof DIR (V8 CPU profile of the server, written when it stops)]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config.js';
import { createVectorStore } from '../src/stores/create-vector-store.js';
import { startServeProcess } from './serve-process.js';
import { CatalogueGenerator, DEFAULT_SPACES, requestBodies } from './write-load-data.js';

const { values: f } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '100' },
    connections: { type: 'string', default: '8' },
    'raw-items': { type: 'string' },
    'search-every-ms': { type: 'string', default: '250' },
    'max-seconds': { type: 'string', default: '0' },
    out: { type: 'string', default: path.resolve(import.meta.dirname, 'results/write-load.json') },
    'server-cpu-prof': { type: 'string' },
  },
});
const ITEMS = Number(f.items);
const BATCH = Number(f.batch);
const CONNECTIONS = Number(f.connections);
const RAW_ITEMS = Number(f['raw-items'] ?? Math.min(ITEMS, 20_000));
const SEARCH_EVERY = Number(f['search-every-ms']);
// A slow machine can bound the HTTP phase; the report then says how far it got (complete: false).
const MAX_SECONDS = Number(f['max-seconds']);
const COLLECTION = 'catalogue';
const gen = new CatalogueGenerator();
const schema = {
  name: COLLECTION,
  vectors: {
    text: { modality: 'text', dim: 384 },
    image: { modality: 'image', dim: 512 },
    image_text: { modality: 'text', dim: 512 },
  },
  payloadIndexes: { title: 'text', topic: 'integer', price: 'float' },
} as const;
const log = (s: string) => console.log(`write-load: ${s}`);
const pct = (xs: number[], p: number) =>
  xs.length
    ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
    : 0;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const loadAverage = () => os.loadavg().map((x) => round(x, 2));

/** The store alone: the same batches as Float32Arrays, one after another in this process; no HTTP, JSON or BM25. */
async function rawStoreRate(): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-write-raw-'));
  const store = await createVectorStore(parseConfig({ dataDir: dir, logLevel: 'silent' }));
  try {
    await store.createCollection(schema);
    const lat: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let start = 0; start < RAW_ITEMS; start += BATCH) {
      const items = Array.from({ length: Math.min(BATCH, RAW_ITEMS - start) }, (_, i) => {
        const it = gen.item(start + i);
        return {
          id: it.id,
          payload: { ...it.payload, text: it.text },
          vectors: Object.fromEntries(
            Object.entries(it.vectors).map(([k, v]) => [k, Float32Array.from(v)]),
          ),
        };
      });
      const b0 = performance.now();
      await store.upsert(COLLECTION, items);
      lat.push(performance.now() - b0);
    }
    // Time in the store only (generating the batches is not the store's cost).
    const s = lat.reduce((x, y) => x + y, 0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      items: RAW_ITEMS,
      seconds: round(s, 2),
      cpuS: round((cpu.user + cpu.system) / 1e6, 1),
      itemsPerS: round(RAW_ITEMS / s, 0),
      slowestBatchMs: round(Math.max(...lat), 0),
      p99BatchMs: round(pct(lat, 0.99), 0),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function procStat(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpuS: ticks / 100, rssMb: round(Number(rss ?? 0) / 1024, 0) };
}

// One keep-alive socket per connection (plus the searcher's): real HTTP without fetch's per-request overhead.
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS + 1 });
function post(url: string, body: string | Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

log(
  `${ITEMS} items x (${DEFAULT_SPACES.map((s) => s.dim).join(' + ')}) + text, batches of ${BATCH}, ${CONNECTIONS} connections; load average ${loadAverage().join(' ')} on ${os.cpus().length} cores`,
);
const loadBefore = loadAverage();
const raw = await rawStoreRate();
log(
  `store alone: ${raw.itemsPerS} items/s over ${raw.items} items (slowest batch ${raw.slowestBatchMs} ms)`,
);

const g0 = performance.now();
const bodies = requestBodies(gen, COLLECTION, ITEMS, BATCH);
log(
  `${bodies.length} request bodies ready (${round((performance.now() - g0) / 1000, 1)} s, not timed)`,
);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-write-load-'));
const prof = f['server-cpu-prof'];
const server = await startServeProcess(
  dataDir,
  {},
  60_000,
  prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`] : [],
);
const pid = server.child.pid!;
const created = await post(`${server.url}/v1/collections`, JSON.stringify(schema));
if (created.status !== 201) throw new Error(`create collection: ${created.status} ${created.text}`);

const batches: { ms: number; status: number }[] = [];
const failures: string[] = [];
const searches: number[] = [];
let searchErrors = 0;
let acked = 0;
let next = 0;
let loading = true;
const cpu0 = process.cpuUsage();
const server0 = procStat(pid);
const t0 = performance.now();

const writer = async () => {
  for (
    let start = next;
    start < ITEMS && !(MAX_SECONDS > 0 && performance.now() - t0 > MAX_SECONDS * 1000);
    start = next
  ) {
    next += BATCH;
    const size = Math.min(BATCH, ITEMS - start);
    const b0 = performance.now();
    const r = await post(`${server.url}/v1/items`, bodies[start / BATCH]!).catch((e: Error) => ({
      status: 0,
      text: e.message,
    }));
    // An answer counts only when it says the whole batch was stored.
    const ok = r.status === 200 && (JSON.parse(r.text) as { upserted?: number }).upserted === size;
    batches.push({ ms: performance.now() - b0, status: ok ? 200 : r.status || -1 });
    if (ok) acked += size;
    else if (failures.length < 10)
      failures.push(`items ${start}..: ${r.status} ${r.text.slice(0, 300)}`);
    if (batches.length % 100 === 0)
      log(
        `${acked} items acknowledged, ${round(acked / ((performance.now() - t0) / 1000), 0)} items/s`,
      );
  }
};
// Searches at a fixed rate (open loop: one starts every SEARCH_EVERY ms whether or not the last has answered), so
// the search load is the same however fast searches are, and a slow server is not spared searches while it stalls.
const searcher = async () => {
  const inflight: Promise<void>[] = [];
  let q = 0;
  while (loading) {
    const tick = new Promise((r) => setTimeout(r, SEARCH_EVERY));
    if (acked > 0) {
      const it = gen.item((q++ * 7919) % Math.max(1, acked));
      const body = JSON.stringify({
        collection: COLLECTION,
        vectors: it.vectors,
        limit: 10,
        fusion: 'rrf',
      });
      const s0 = performance.now();
      inflight.push(
        post(`${server.url}/v1/search`, body)
          .catch((e: Error) => ({ status: 0, text: e.message }))
          .then((r) => {
            searches.push(performance.now() - s0);
            if (r.status !== 200) searchErrors++;
          }),
      );
    }
    await tick;
  }
  await Promise.all(inflight);
};
const search = searcher();
await Promise.all(Array.from({ length: CONNECTIONS }, writer));
const seconds = (performance.now() - t0) / 1000;
loading = false;
await search;
const clientCpu = process.cpuUsage(cpu0);
const server1 = procStat(pid);

// Afterwards: the count agrees and each sampled item finds itself by its own text vector (the index absorbed the writes).
const info = JSON.parse(
  (await (await fetch(`${server.url}/v1/collections/${COLLECTION}`)).text()) as string,
) as { collection: { count: number } };
let selfFound = 0;
const SAMPLE = 50;
for (let i = 0; i < SAMPLE; i++) {
  const n = Math.floor(((i + 0.5) / SAMPLE) * Math.min(next, ITEMS));
  const r = await post(
    `${server.url}/v1/search`,
    JSON.stringify({
      collection: COLLECTION,
      vectors: { text: gen.item(n).vectors.text },
      limit: 1,
      fusion: 'rrf',
      lexical: false,
    }),
  );
  if (
    r.status === 200 &&
    (JSON.parse(r.text) as { hits: { id: string }[] }).hits[0]?.id === `item-${n}`
  )
    selfFound++;
}
agent.destroy();
await server.stop();
rmSync(dataDir, { recursive: true, force: true });

const lat = batches.map((b) => b.ms);
const report = {
  items: ITEMS,
  complete: acked === ITEMS,
  batch: BATCH,
  connections: CONNECTIONS,
  searchEveryMs: SEARCH_EVERY,
  client: 'request bodies serialised before the clock; node:http keep-alive',
  dims: DEFAULT_SPACES.map((s) => s.dim),
  http: {
    acknowledged: acked,
    seconds: round(seconds, 1),
    itemsPerS: round(acked / seconds, 0),
    batches: batches.length,
    failedBatches: batches.filter((b) => b.status !== 200).length,
    batchesOver2s: lat.filter((x) => x > 2000).length,
    slowestBatchMs: round(Math.max(...lat), 0),
    p50BatchMs: round(pct(lat, 0.5), 0),
    p99BatchMs: round(pct(lat, 0.99), 0),
    failures,
  },
  searchDuringLoad: {
    count: searches.length,
    errors: searchErrors,
    p50Ms: round(pct(searches, 0.5), 0),
    p99Ms: round(pct(searches, 0.99), 0),
    maxMs: round(Math.max(0, ...searches), 0),
  },
  storeAlone: raw,
  httpVsStore: round(acked / seconds / raw.itemsPerS!, 2),
  after: { count: info.collection.count, selfFoundAt1: `${selfFound}/${SAMPLE}` },
  cpu: {
    clientS: round((clientCpu.user + clientCpu.system) / 1e6, 1),
    serverS: round(server1.cpuS - server0.cpuS, 1),
    serverRssMb: server1.rssMb,
  },
  targets: {
    noBatchFailsOrOver2s: false,
    itemsPerSAtLeast2000: false,
    searchP99AtMost200ms: false,
  },
  loadAverage: { before: loadBefore, after: loadAverage() },
  cores: os.cpus().length,
  at: new Date().toISOString(),
  node: process.version,
};
report.targets = {
  noBatchFailsOrOver2s: report.http.failedBatches === 0 && report.http.batchesOver2s === 0,
  itemsPerSAtLeast2000: report.http.itemsPerS >= 2000,
  searchP99AtMost200ms: report.searchDuringLoad.p99Ms <= 200,
};
const h = report.http;
const q = report.searchDuringLoad;
console.log('');
console.log(
  `store alone            ${raw.itemsPerS} items/s (${raw.items} items, slowest batch ${raw.slowestBatchMs} ms)`,
);
console.log(
  `HTTP, ${CONNECTIONS} connections    ${h.itemsPerS} items/s (${report.httpVsStore}x the store alone); ${h.acknowledged}/${ITEMS} acknowledged in ${h.seconds} s`,
);
console.log(
  `  batches ${h.batches}: failed ${h.failedBatches}, over 2 s ${h.batchesOver2s}, p50 ${h.p50BatchMs} ms, p99 ${h.p99BatchMs} ms, slowest ${h.slowestBatchMs} ms`,
);
console.log(
  `search during load     ${q.count} searches, errors ${q.errors}, p50 ${q.p50Ms} ms, p99 ${q.p99Ms} ms, max ${q.maxMs} ms`,
);
console.log(
  `after                  count ${report.after.count}, items finding themselves at rank 1: ${report.after.selfFoundAt1}`,
);
console.log(
  `cpu                    client ${report.cpu.clientS} s, server ${report.cpu.serverS} s, server RSS ${report.cpu.serverRssMb} MB`,
);
console.log(
  `load average           before ${loadBefore.join(' ')}, after ${report.loadAverage.after.join(' ')} on ${report.cores} cores`,
);
console.log(`targets                ${JSON.stringify(report.targets)}`);
mkdirSync(path.dirname(f.out!), { recursive: true });
writeFileSync(f.out!, JSON.stringify(report, null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), f.out!)}`);
if (failures.length > 0 || (acked < ITEMS && MAX_SECONDS === 0)) process.exitCode = 1;
