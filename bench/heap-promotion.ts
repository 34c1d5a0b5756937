/**
 * What V8's allocation-site pretenuring does to a search process (`runtime.allocationSitePretenuring`, see
 * src/app/v8-heap.ts): the engine searched directly, 8 concurrent searches in a closed loop, over a bench/latency
 * data directory, in one child process per arm (setting on = V8's default, off = Chorus's), arms alternated
 * (on off, off on, ...) so neither always runs first. Each arm warms up, then measures searches/s, p50/p99, the
 * process's CPU per search, how much the old generation grew per search (bytes promoted out of the young
 * generation: the garbage of a search should never get there), and the scavenges and mark-compacts.
 *   npx tsx bench/latency.ts --n 100000 --data-dir /tmp/lat100k      # once: builds the data and its queries
 *   npx tsx bench/heap-promotion.ts --data-dir /tmp/lat100k [--rounds 2] [--seconds 10] [--warmup 8]
 * Writes bench/results/heap-promotion.json (keyed by item count).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { buildChorus } from '../src/app/build.js';
import { rawPhase, readQueries, type Query } from '../src/bench/latency-phases.js';
import { recordRun } from '../src/bench/results-file.js';
import { parseConfig } from '../src/config.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const CONNECTIONS = 8;

interface ArmResult {
  pretenuring: boolean;
  searches: number;
  searchesPerSecond: number;
  p50: number;
  p99: number;
  cpuMsPerSearch: number;
  promotedKbPerSearch: number;
  scavenges: number;
  scavengeMsMean: number;
  scavengeMsMax: number;
  markCompacts: number;
}

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    arm: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '8' },
    'results-dir': { type: 'string', default: path.join(ROOT, 'bench/results') },
  },
});
const dataDir = values['data-dir'] && path.resolve(values['data-dir']);
if (!dataDir || !existsSync(path.join(dataDir, 'bodies.json'))) {
  console.error(
    'bench/heap-promotion: --data-dir must be a bench/latency data directory (with bodies.json); build one with\n  npx tsx bench/latency.ts --n 100000 --data-dir DIR',
  );
  process.exit(2);
}
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);

if (values.arm) {
  process.stdout.write(JSON.stringify(await arm(values.arm === 'on')) + '\n');
  process.exit(0);
}

const arms: ArmResult[] = [];
let items = 0;
const loadStart = os.loadavg()[0]!;
for (let r = 0; r < Number(values.rounds); r++) {
  for (const on of r % 2 === 0 ? [true, false] : [false, true]) {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        SELF,
        '--arm',
        on ? 'on' : 'off',
        '--data-dir',
        dataDir,
        '--seconds',
        String(seconds),
        '--warmup',
        String(warmup),
      ],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const res = JSON.parse(out.trim().split('\n').at(-1)!) as ArmResult & { items: number };
    items = res.items;
    const { items: _items, ...a } = res;
    arms.push(a);
    console.log(
      `  round ${r + 1} pretenuring ${on ? 'on ' : 'off'}: ${a.searchesPerSecond} searches/s, p50 ${a.p50} / p99 ${a.p99} ms, CPU ${a.cpuMsPerSearch} ms/search, promoted ${a.promotedKbPerSearch} KB/search, scavenges ${a.scavenges} (mean ${a.scavengeMsMean}, max ${a.scavengeMsMax} ms), mark-compacts ${a.markCompacts}`,
    );
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const summary = (on: boolean) => {
  const xs = arms.filter((a) => a.pretenuring === on);
  const m = (k: keyof ArmResult) => Math.round(median(xs.map((a) => a[k] as number)) * 100) / 100;
  return {
    searchesPerSecond: m('searchesPerSecond'),
    p99: m('p99'),
    cpuMsPerSearch: m('cpuMsPerSearch'),
    promotedKbPerSearch: m('promotedKbPerSearch'),
    markCompacts: m('markCompacts'),
    scavengeMsMean: m('scavengeMsMean'),
  };
};
const result = {
  data: `bench/latency data directory, ${items} items (clustered unit vectors + Zipf pseudo-word text); its 512 queries (text + every vector), engine called directly`,
  items,
  connections: CONNECTIONS,
  seconds,
  warmupSeconds: warmup,
  arms,
  medians: { on: summary(true), off: summary(false) },
  loadAverage: [loadStart, os.loadavg()[0]!],
};
console.log(
  `pretenuring on -> off (medians of ${Number(values.rounds)} rounds): ${result.medians.on.searchesPerSecond} -> ${result.medians.off.searchesPerSecond} searches/s, CPU ${result.medians.on.cpuMsPerSearch} -> ${result.medians.off.cpuMsPerSearch} ms/search, promoted ${result.medians.on.promotedKbPerSearch} -> ${result.medians.off.promotedKbPerSearch} KB/search, p99 ${result.medians.on.p99} -> ${result.medians.off.p99} ms`,
);
recordRun(values['results-dir']!, 'heap-promotion.json', String(items), result);

/** One arm: this process serves the data with the setting, warms up, then measures. */
async function arm(pretenuring: boolean): Promise<ArmResult & { items: number }> {
  const chorus = await buildChorus(
    parseConfig({
      dataDir,
      logLevel: 'silent',
      runtime: { allocationSitePretenuring: pretenuring },
    }),
    { encoders: 'none', indexMaintenance: 'inline' },
  );
  chorus.bm25.useReadThread(); // as a server scores BM25 (listen starts it)
  const queries = readQueries(path.join(dataDir!, 'bodies.json'));
  const search = (q: Query) =>
    chorus.engine.search({ collection: 'bench', query: q, limit: 10, candidates: 100 });
  await rawPhase(queries, search, CONNECTIONS, warmup);
  // Counted here rather than with StallMonitor, whose major pauses include incremental-marking steps.
  const scavenges: number[] = [];
  let markCompacts = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges.push(e.duration);
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) markCompacts++;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  // Old-generation growth between samples: what scavenges promoted (a mark-compact only ever shrinks it).
  const oldUsed = () =>
    v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;
  let promoted = 0;
  let last = oldUsed();
  const sampler = setInterval(() => {
    const used = oldUsed();
    if (used > last) promoted += used - last;
    last = used;
  }, 20);
  const cpu0 = process.cpuUsage();
  const { latencies } = await rawPhase(queries, search, CONNECTIONS, seconds);
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  await new Promise((resolve) => setImmediate(resolve)); // GC entries arrive a tick late
  gc.disconnect();
  const n = latencies.length;
  latencies.sort((a, b) => a - b);
  const items = await chorus.store.count('bench');
  await chorus.close();
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    items,
    pretenuring,
    searches: n,
    searchesPerSecond: r2(n / seconds),
    p50: r2(latencies[Math.floor(n * 0.5)]!),
    p99: r2(latencies[Math.floor(n * 0.99)]!),
    cpuMsPerSearch: r2((cpu.user + cpu.system) / 1000 / n),
    promotedKbPerSearch: r2(promoted / 1024 / n),
    scavenges: scavenges.length,
    scavengeMsMean: r2(scavenges.reduce((a, b) => a + b, 0) / Math.max(1, scavenges.length)),
    scavengeMsMax: r2(Math.max(0, ...scavenges)),
    markCompacts,
  };
}
