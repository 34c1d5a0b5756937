// Core of bench/load: a real `chorus serve` child process, seeded over HTTP, driven by a bounded autocannon run
// of mixed search and feedback on 127.0.0.1; then every acknowledged feedback event is looked up in the event log.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { openChorusDb } from '../src/storage/index.js';
import { api, startServeProcess, type ServerProcess } from './serve-process.js';

export interface LoadOptions {
  connections: number;
  durationS: number;
  warmupS: number;
  /** Seconds of GET /healthz at the same concurrency: the HTTP floor the mixed run is compared with. */
  baselineS: number;
  items: number;
  dim: number;
  /** Share of requests that are feedback writes (the rest are searches). */
  feedbackShare: number;
  timeoutS: number;
  log?: (line: string) => void;
}

export interface RunFigures {
  requests: number;
  qps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

export interface LoadReport {
  options: Omit<LoadOptions, 'log'>;
  baselineHealthz: RunFigures;
  mixed: RunFigures & { searches: number; feedbackPosts: number; searchOk: number };
  qpsVsHealthz: number;
  rssMb: { afterSeed: number; afterWarmup: number; afterRun: number };
  feedback: { acknowledged: number; stored: number; missing: number };
  /** 1-minute load average before and after the run: on a shared machine the figures depend on it. */
  loadAverage: { before: number; after: number };
}

const COLL = 'load';

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

function seededVector(dim: number, seed: number): number[] {
  let x = seed * 2654435761;
  return Array.from({ length: dim }, () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff - 0.5;
  });
}

function figures(r: autocannon.Result): RunFigures {
  return {
    requests: r.requests.total,
    qps: Math.round((r.requests.total / r.duration) * 10) / 10,
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  };
}

async function seed(server: ServerProcess, opts: LoadOptions): Promise<void> {
  const created = await api(server.url, 'POST', '/v1/collections', {
    name: COLL,
    vectors: { dense: { modality: 'text', dim: opts.dim } },
    payloadIndexes: { category: 'keyword' },
  });
  if (created.status !== 201) throw new Error(`create collection: ${created.text}`);
  const batch = Math.max(1, Math.min(500, Math.floor(400_000 / (opts.dim * 20))));
  for (let start = 0; start < opts.items; start += batch) {
    const items = [];
    for (let i = start; i < Math.min(opts.items, start + batch); i++)
      items.push({
        id: `item-${i}`,
        payload: { title: `item ${i}`, category: `c${i % 8}` },
        vectors: { dense: seededVector(opts.dim, i + 1) },
      });
    const r = await api(server.url, 'POST', '/v1/items', { collection: COLL, items });
    if (r.status !== 200) throw new Error(`seed upsert: ${r.text}`);
  }
}

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const log = opts.log ?? (() => {});
  const loadBefore = loadavg()[0]!;
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-load-'));
  // Rate limiting would turn this into a 429 benchmark; every other limit stays at its default.
  let server: ServerProcess | undefined = await startServeProcess(dir, {
    CHORUS_LIMITS__RATE_LIMIT_PER_MINUTE: '1000000',
  });
  try {
    const pid = server.child.pid!;
    log(
      `seeding ${opts.items} items (dim ${opts.dim}) into a real chorus serve at ${server.url} (pid ${pid})`,
    );
    await seed(server, opts);
    const afterSeed = rssMb(pid);

    const queries = Array.from({ length: 256 }, (_, i) =>
      JSON.stringify({
        collection: COLL,
        vectors: { dense: seededVector(opts.dim, 10_000_000 + i) },
        limit: 10,
        userId: `u${i % 32}`,
      }),
    );
    const acked: string[] = [];
    let counter = 0;
    let searches = 0;
    let feedbackPosts = 0;
    let searchOk = 0;
    const record = { on: false };
    type Ctx = { eventId?: string };
    const mixedRequest: autocannon.Request = {
      method: 'POST',
      path: '/v1/search',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req, context) => {
        const ctx = context as Ctx;
        const n = counter++;
        if ((n * 0.6180339887) % 1 < opts.feedbackShare) {
          const eventId = `load-${process.pid}-${n}`;
          ctx.eventId = eventId;
          const itemId = `item-${(n * 7919) % opts.items}`;
          const body = JSON.stringify({
            type: 'click',
            eventId,
            collection: COLL,
            userId: `u${n % 32}`,
            itemId,
            position: n % 10,
          });
          return { ...req, path: '/v1/feedback', body };
        }
        ctx.eventId = undefined;
        return { ...req, path: '/v1/search', body: queries[n % queries.length]! };
      },
      onResponse: (status, _body, context) => {
        const ctx = context as Ctx;
        if (!record.on) return;
        if (ctx.eventId) {
          feedbackPosts++;
          if (status === 200) acked.push(ctx.eventId);
        } else {
          searches++;
          if (status === 200) searchOk++;
        }
      },
    };
    const cannon = (o: Omit<autocannon.Options, 'url'>) =>
      autocannon({ connections: opts.connections, timeout: opts.timeoutS, ...o, url: server!.url });

    log(`baseline: GET /healthz, ${opts.connections} connections, ${opts.baselineS} s`);
    const baseline = figures(
      await cannon({ duration: opts.baselineS, requests: [{ method: 'GET', path: '/healthz' }] }),
    );
    log(`warm-up: ${opts.warmupS} s of the mixed load`);
    await cannon({ duration: opts.warmupS, requests: [mixedRequest] });
    const afterWarmup = rssMb(pid);
    // Only the main run's acknowledgements are counted and checked (warm-up ones are stored too, but not tallied).
    record.on = true;
    log(
      `mixed run: ${opts.connections} connections, ${opts.durationS} s, ${Math.round(opts.feedbackShare * 100)}% feedback`,
    );
    const mixed = await cannon({ duration: opts.durationS, requests: [mixedRequest] });
    record.on = false;
    const afterRun = rssMb(pid);

    await server.stop();
    server = undefined;
    const db = openChorusDb(dir);
    let stored = 0;
    try {
      for (const id of acked) if (db.events.has(id)) stored++;
    } finally {
      db.close();
    }
    const m = figures(mixed);
    return {
      options: {
        connections: opts.connections,
        durationS: opts.durationS,
        warmupS: opts.warmupS,
        baselineS: opts.baselineS,
        items: opts.items,
        dim: opts.dim,
        feedbackShare: opts.feedbackShare,
        timeoutS: opts.timeoutS,
      },
      baselineHealthz: baseline,
      mixed: { ...m, searches, feedbackPosts, searchOk },
      qpsVsHealthz: Math.round((m.qps / Math.max(1, baseline.qps)) * 1000) / 1000,
      rssMb: { afterSeed, afterWarmup, afterRun },
      feedback: { acknowledged: acked.length, stored, missing: acked.length - stored },
      loadAverage: {
        before: Math.round(loadBefore * 100) / 100,
        after: Math.round(loadavg()[0]! * 100) / 100,
      },
    };
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
