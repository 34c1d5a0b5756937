/**
 * One arm of `chorus bench latency --compare`: serves a prepared data directory with the code of the checkout
 * `--root` (which may be an older commit: only its src/config and src/app/build are used, as every version since
 * the in-process ANN index has them), and takes commands from the bench on stdin, one JSON line each:
 *   {"cmd":"raw","seconds":S,"connections":C}  engine called directly in this process (closed loop)
 *   {"cmd":"labels"}                           OS thread id -> worker script, for per-thread CPU
 *   {"cmd":"stalls"}                           the event loop's stalls and GC pauses since the last ask
 *   {"cmd":"close"}
 * Answers are JSON lines on stdout; the first is {"ready":true,"url":...,"pid":...}.
 * Run as: node --import tsx <this file> --root DIR --data-dir DIR --bodies FILE [--config JSON] (cwd: the checkout,
 * so its own tsx); --config holds config overrides for this arm (limits merged into the bench's).
 */
import { createInterface } from 'node:readline';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { labelWorkerThreads } from './thread-cpu.js';
import { prereadDir, rawPhase, readQueries, type Query } from './latency-phases.js';
import { StallMonitor } from './loop-stalls.js';

// Before the checkout's code starts any worker thread.
const labels = labelWorkerThreads();
const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    'data-dir': { type: 'string' },
    bodies: { type: 'string' },
    candidates: { type: 'string', default: '100' },
    limit: { type: 'string', default: '10' },
    config: { type: 'string', default: '{}' },
  },
});
const root = path.resolve(values.root!);
const dataDir = path.resolve(values['data-dir']!);
const say = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

interface Chorus {
  listen(port: number, host: string): Promise<{ url: string }>;
  engine: {
    search(r: unknown): Promise<{ timings: Record<string, number> }>;
  };
  store: { flushIndex?: (c: string) => Promise<void>; count(c: string): Promise<number> };
  close(): Promise<void>;
}
const preread = prereadDir(dataDir);
const { parseConfig } = (await import(pathToFileURL(path.join(root, 'src/config.js')).href)) as {
  parseConfig: (o: unknown) => unknown;
};
const { buildChorus } = (await import(pathToFileURL(path.join(root, 'src/app/build.js')).href)) as {
  buildChorus: (c: unknown, o: unknown) => Promise<Chorus>;
};
const overrides = JSON.parse(values.config!) as Record<string, Record<string, unknown>>;
// Event log retention is maintenance, not serving: its hourly pass would prune a data copy older than the window in
// the middle of a measurement. Checkouts from before the setting have no such section (and no pass).
const retention =
  'feedback' in (parseConfig({}) as object) ? { feedback: { retentionDays: 0 } } : {};
const chorus = await buildChorus(
  parseConfig({
    ...retention,
    ...overrides,
    dataDir,
    logLevel: 'silent',
    limits: {
      maxBodyBytes: 8 * 1024 * 1024,
      rateLimitPerMinute: 1_000_000,
      ...overrides.limits,
    },
  }),
  { encoders: 'none', indexMaintenance: 'inline' },
);
await chorus.store.flushIndex?.('bench');
const { url } = await chorus.listen(0, '127.0.0.1');
const queries: Query[] = readQueries(values.bodies!);
const search = (q: Query) =>
  chorus.engine.search({
    collection: 'bench',
    query: { text: q.text, vectors: q.vectors },
    limit: Number(values.limit),
    candidates: Number(values.candidates),
  });
const stalls = new StallMonitor().start();
say({
  ready: true,
  url,
  pid: process.pid,
  prereadBytes: preread,
  items: await chorus.store.count('bench'),
});

for await (const line of createInterface({ input: process.stdin })) {
  const c = JSON.parse(line) as { cmd: string; seconds?: number; connections?: number };
  if (c.cmd === 'raw') say(await rawPhase(queries, search, c.connections!, c.seconds!));
  else if (c.cmd === 'labels') say(labels());
  else if (c.cmd === 'stalls') {
    await new Promise((resolve) => setImmediate(resolve)); // GC entries of the last pauses arrive a tick late
    say(stalls.take());
  } else if (c.cmd === 'close') break;
}
await chorus.close();
process.exit(0);
