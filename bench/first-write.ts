// bench/first-write: what the first writes after opening a big saved collection cost the server (issue 14). Opens a
// directory built by `bench/store-open --build-only`, runs a single-client search loop, and during it upserts one new
// item, then a batch of new items. Reports per phase the longest event-loop block (perf_hooks
// monitorEventLoopDelay: max and p99), the searches' p50/p99/max, each write's acknowledgement time, the time until
// every written item is the top hit for its own vector, and the time until the index has absorbed the writes.
// A/B: each `--src` checkout's store code runs in its own child process on its own copy of the directory (writes
// change it): `--copies` lists one prepared copy per arm (e.g. `cp -a` of the built directory), in the same order.
// Usage: npx tsx bench/first-write.ts --src /path/to/main --src . --copies /tmp/a,/tmp/b [--dim 384] [--batch 1000]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Rng } from '../rerankers/random.js';
import { embeddingLike, percentile } from './embedding-like.js';

const { values: flags } = parseArgs({
  options: {
    src: { type: 'string', multiple: true },
    copies: { type: 'string' },
    dim: { type: 'string', default: '384' },
    batch: { type: 'string', default: '1000' },
    /** Search-only time before the writes, and at least this long after each write. */
    'phase-ms': { type: 'string', default: '3000' },
    /** Give up waiting for the absorber after this long (per phase). */
    'absorb-timeout-ms': { type: 'string', default: '120000' },
    child: { type: 'boolean', default: false },
    dir: { type: 'string' },
  },
});
const DIM = Number(flags.dim);
const BATCH = Number(flags.batch);
const PHASE_MS = Number(flags['phase-ms']);
const ABSORB_TIMEOUT_MS = Number(flags['absorb-timeout-ms']);
const r2 = (x: number) => Math.round(x * 100) / 100;
const log = (s: string) => process.stderr.write(`${s}\n`);

interface StoreLike {
  search(c: string, v: string, q: Float32Array, k: number): Promise<{ id: string }[]>;
  upsert(
    c: string,
    items: {
      id: string;
      payload: Record<string, unknown>;
      vectors: Record<string, Float32Array>;
    }[],
  ): Promise<unknown>;
  indexInfo(c: string): Promise<{ type: string; indexed?: number; unindexed?: number }[]>;
}

if (flags.child) await child(flags.src![0]!, flags.dir!);
else parent();

async function child(src: string, dir: string): Promise<void> {
  const mod = (await import(path.resolve(src, 'src/stores/lancedb-store.ts'))) as {
    LanceDbStore: { open(o: { dataDir: string }): Promise<StoreLike> };
  };
  const { queries } = JSON.parse(readFileSync(path.join(dir, 'bench-queries.json'), 'utf8')) as {
    queries: number[][];
  };
  const qs = queries.map((q) => Float32Array.from(q));
  const t0 = performance.now();
  const store = await mod.LanceDbStore.open({ dataDir: dir });
  await store.search('open', 'text', qs[0]!, 10);
  const openS = r2((performance.now() - t0) / 1000);
  for (let i = 0; i < 100; i++) await store.search('open', 'text', qs[i % qs.length]!, 10); // warm
  const unindexed = async () =>
    (await store.indexInfo('open')).find((x) => x.type === 'usearch-hnsw')?.unindexed ?? 0;

  // The single search client: runs until stopped, latencies per phase.
  let lat: number[] = [];
  let stop = false;
  let qi = 0;
  const client = (async () => {
    while (!stop) {
      const t = performance.now();
      await store.search('open', 'text', qs[qi++ % qs.length]!, 10);
      lat.push(performance.now() - t);
      // A new request arrives as an I/O event: a search answered in microtasks alone would starve every timer.
      await new Promise((r) => setImmediate(r));
    }
  })();
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const phase = async (name: string, run: () => Promise<Record<string, unknown>>) => {
    h.reset();
    lat = [];
    const p0 = performance.now();
    const extra = await run();
    const out = {
      phase: name,
      ms: r2(performance.now() - p0),
      ...extra,
      loopDelayMaxMs: r2(h.max / 1e6),
      loopDelayP99Ms: r2(h.percentile(99) / 1e6),
      searches: lat.length,
      searchP50Ms: r2(percentile(lat, 50)),
      searchP99Ms: r2(percentile(lat, 99)),
      searchMaxMs: r2(Math.max(...lat)),
    };
    log(`  ${JSON.stringify(out)}`);
    return out;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const gen = embeddingLike({ dim: DIM, seed: 4242 });
  const rng = new Rng(77);
  /** Writes `n` new items; then waits until each is its own vector's top hit, and until the index absorbed them. */
  const write = async (prefix: string, n: number) => {
    const items = Array.from({ length: n }, (_, i) => ({
      id: `${prefix}${i}`,
      payload: { cat: 'new' },
      vectors: { text: gen(rng) },
    }));
    const w0 = performance.now();
    await store.upsert('open', items);
    const ackMs = r2(performance.now() - w0);
    const probe = items.filter((_, i) => i % Math.max(1, Math.floor(n / 20)) === 0);
    let searchableMs: number | undefined;
    while (searchableMs === undefined && performance.now() - w0 < ABSORB_TIMEOUT_MS) {
      let all = true;
      for (const it of probe)
        if ((await store.search('open', 'text', it.vectors.text, 1))[0]?.id !== it.id) all = false;
      if (all) searchableMs = r2(performance.now() - w0);
      else await sleep(5);
    }
    let absorbedMs: number | undefined;
    while (performance.now() - w0 < ABSORB_TIMEOUT_MS) {
      if ((await unindexed()) === 0) {
        absorbedMs = r2(performance.now() - w0);
        break;
      }
      await sleep(20);
    }
    // Past the idle save (2 s after the last write by default) and PHASE_MS at least.
    await sleep(Math.max(0, Math.max(PHASE_MS, 2500) - (performance.now() - w0)));
    return { items: n, ackMs, searchableMs, absorbedMs };
  };
  const phases = [
    await phase('search only', async () => {
      await sleep(PHASE_MS);
      return {};
    }),
    await phase('first upsert (1 item)', () => write('fw', 1)),
    await phase(`batch upsert (${BATCH} items)`, () => write('fb', BATCH)),
  ];
  stop = true;
  await client;
  h.disable();
  process.stdout.write(JSON.stringify({ openS, phases }) + '\n');
  process.exit(0); // no close: nothing here is timed after the phases, and a close would save
}

function parent(): void {
  const srcs = flags.src ?? [];
  const copies = (flags.copies ?? '').split(',').filter(Boolean);
  if (srcs.length === 0 || srcs.length !== copies.length)
    throw new Error('give one --src per arm and as many --copies (comma-separated)');
  for (const c of copies)
    if (!existsSync(path.join(c, 'bench-queries.json')))
      throw new Error(`${c}: not a bench/store-open directory (run it with --build-only first)`);
  const script = fileURLToPath(import.meta.url);
  const load = () => os.loadavg().map(r2);
  log(`bench/first-write: dim=${DIM} batch=${BATCH} load=${load()}`);
  const runs = srcs.map((src, i) => {
    const commit = (() => {
      try {
        return execFileSync('git', ['-C', src, 'rev-parse', '--short', 'HEAD'], {
          encoding: 'utf8',
        }).trim();
      } catch {
        return 'unknown';
      }
    })();
    log(`arm ${i}: ${src} (${commit}) on ${copies[i]}, load ${load()}`);
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        script,
        '--child',
        '--src',
        src,
        '--dir',
        copies[i]!,
        '--dim',
        String(DIM),
        '--batch',
        String(BATCH),
        '--phase-ms',
        String(PHASE_MS),
        '--absorb-timeout-ms',
        String(ABSORB_TIMEOUT_MS),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 },
    );
    return {
      src,
      commit,
      dir: copies[i],
      ...(JSON.parse(out.trim().split('\n').pop()!) as object),
      load: load(),
    };
  });
  process.stdout.write(
    JSON.stringify({ bench: 'first-write', at: new Date().toISOString(), runs }, null, 2) + '\n',
  );
}
