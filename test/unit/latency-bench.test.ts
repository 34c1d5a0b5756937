import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { abbaOrder, pairedRatio, spread } from '../../src/bench/ab-rounds.js';
import { settingsKey } from '../../src/bench/latency-compare.js';
import { driveOpenLoop } from '../../src/bench/open-loop.mjs';
import { isSteady, warmUntilSteady } from '../../src/bench/steady-warmup.js';
import { mergeRaw, summarise, type RawPhase } from '../../src/bench/latency-stats.js';
import {
  cpuPerRequest,
  labelWorkerThreads,
  readThreadCpu,
  threadGroup,
} from '../../src/bench/thread-cpu.js';

/** Virtual time: `sleep` resolves when `run` advances the clock to it; nothing waits for real. */
class VirtualClock {
  t = 0;
  private timers: { at: number; resolve: () => void }[] = [];
  now = () => this.t;
  sleep = (ms: number) =>
    new Promise<void>((resolve) => this.timers.push({ at: this.t + Math.max(0, ms), resolve }));
  async run<T>(p: Promise<T>): Promise<T> {
    let done = false;
    void p.then(() => (done = true));
    for (;;) {
      await new Promise((r) => setImmediate(r)); // let every resolved continuation run
      if (done) return p;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) throw new Error('deadlock: nothing scheduled and the load has not finished');
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
  }
}

/**
 * A server with `connections` keep-alive connections served FIFO (as an http.Agent queues), each request taking
 * `serviceMs`, except that nothing completes inside [stallFrom, stallTo) (a GC pause, a stalled disk).
 */
function simulatedServer(
  clock: VirtualClock,
  o: { connections: number; serviceMs: number; stallFrom?: number; stallTo?: number },
) {
  const free = Array.from({ length: o.connections }, () => 0);
  return (_i: number) => {
    const c = free.indexOf(Math.min(...free));
    const start = Math.max(clock.now(), free[c]!);
    let end = start + o.serviceMs;
    if (o.stallFrom !== undefined && end > o.stallFrom && start < o.stallTo!)
      end = Math.max(end, o.stallTo! + o.serviceMs);
    free[c] = end;
    return clock.sleep(end - clock.now()).then(() => ({ ok: true, sentAt: start }));
  };
}

const above = (xs: number[], ms: number) => xs.filter((x) => x > ms).length;

describe('fixed-rate load (open loop)', () => {
  it('offers the rate it was asked for and, on a fast server, measures the service time', async () => {
    const clock = new VirtualClock();
    const r = await clock.run(
      driveOpenLoop({
        rate: 100,
        seconds: 2,
        now: clock.now,
        sleep: clock.sleep,
        send: simulatedServer(clock, { connections: 8, serviceMs: 10 }),
      }),
    );
    expect(r.issued).toBe(200);
    expect(r.latencies).toHaveLength(200);
    expect(Math.max(...r.latencies)).toBeCloseTo(10, 6);
    expect(r.achievedRate).toBeGreaterThan(98);
    expect(r.achievedRate).toBeLessThanOrEqual(100.5);
  });

  it('counts a stall against every request due during it, not only the few in flight (no coordinated omission)', async () => {
    const clock = new VirtualClock();
    const r = await clock.run(
      driveOpenLoop({
        rate: 100,
        seconds: 3,
        now: clock.now,
        sleep: clock.sleep,
        send: simulatedServer(clock, {
          connections: 8,
          serviceMs: 5,
          stallFrom: 1000,
          stallTo: 1500,
        }),
      }),
    );
    expect(r.issued).toBe(300);
    // 50 requests were due during the 500 ms stall; each waited from its due time until the stall ended, so the
    // 40 due in its first 400 ms waited over 100 ms.
    expect(above(r.latencies, 100)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...r.latencies)).toBeGreaterThan(490);
    // Timed from the actual send (what a closed loop records), only the requests holding the 8 connections saw it.
    expect(above(r.serviceTimes, 100)).toBeLessThanOrEqual(8);
    const sorted = [...r.latencies].sort((a, b) => a - b);
    expect(sorted[Math.ceil(0.99 * sorted.length) - 1]!).toBeGreaterThan(400);
  });

  it('sends the requests a late wake-up missed at once, each timed from its own due time', async () => {
    const clock = new VirtualClock();
    let overslept = false;
    const sleep = (ms: number) => {
      // One wake-up 200 ms late (a busy event loop in the load generator).
      if (!overslept && clock.now() >= 500) {
        overslept = true;
        return clock.sleep(ms + 200);
      }
      return clock.sleep(ms);
    };
    const r = await clock.run(
      driveOpenLoop({
        rate: 50,
        seconds: 2,
        now: clock.now,
        sleep,
        send: simulatedServer(clock, { connections: 8, serviceMs: 1 }),
      }),
    );
    expect(r.issued).toBe(100);
    // The ~10 requests due during the late wake-up count its lateness (up to 200 ms), the rest 1 ms.
    expect(above(r.latencies, 50)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...r.latencies)).toBeGreaterThan(150);
    expect(above(r.latencies, 1.5)).toBeLessThanOrEqual(11);
  });
});

describe('A/B records', () => {
  it('keys a settings A/B by size, clients and the config sections it changed, so groups do not overwrite each other', () => {
    const arms = (a?: object, b?: object) => ({ a: { config: a }, b: { config: b } });
    expect(
      settingsKey({
        items: 100000,
        connections: 8,
        ...arms({ limits: { x: 1 } }, { limits: {} }),
      } as never),
    ).toBe('100000x8:limits');
    expect(
      settingsKey({
        items: 20000,
        connections: 400,
        ...arms(undefined, { runtime: {}, limits: {} }),
      } as never),
    ).toBe('20000x400:limits+runtime');
    expect(settingsKey({ items: 5, connections: 1, ...arms() } as never)).toBe('5x1');
  });
});

describe('A/B rounds', () => {
  it('alternates AB BA so each arm goes first in half the rounds', () => {
    const order = abbaOrder(6);
    expect(order.map((o) => o.join('')).join(' ')).toBe('ab ba ab ba ab ba');
    expect(order.filter((o) => o[0] === 'a')).toHaveLength(3);
    expect(abbaOrder(1)).toEqual([['a', 'b']]);
  });

  it('pairs by round, so a drift that both arms share in a round cancels', () => {
    const effect = [1.1, 1.2, 1.15, 1.12];
    const flat = pairedRatio([1, 1, 1, 1], effect);
    // The machine speeds up 2x and slows down again over the run; B is still the same factor faster per round.
    const drift = [100, 200, 150, 60];
    const drifting = pairedRatio(
      drift,
      drift.map((d, i) => d * effect[i]!),
    );
    expect(drifting).toEqual(flat);
    expect(flat.ratio).toBeCloseTo(Math.exp(effect.reduce((a, x) => a + Math.log(x), 0) / 4), 3);
    expect(flat.low).toBeLessThan(flat.ratio);
    expect(flat.high).toBeGreaterThan(flat.ratio);
    expect(flat.low).toBeGreaterThan(1); // all four rounds favour B clearly
    // Unpaired, the drift would swamp it: the arms' ranges overlap completely.
    expect(spread(drift).max).toBeGreaterThan(spread(drift.map((d, i) => d * effect[i]!)).min);
  });

  it('gives an interval that includes 1 when the arms do not differ, and refuses unpaired input', () => {
    const r = pairedRatio([100, 120, 90, 110], [104, 114, 93, 108]);
    expect(r.low).toBeLessThan(1);
    expect(r.high).toBeGreaterThan(1);
    expect(pairedRatio([100], [120])).toEqual({ ratio: 1.2, low: 1.2, high: 1.2, rounds: 1 });
    expect(() => pairedRatio([1, 2], [1])).toThrow(/as many/);
    expect(() => pairedRatio([1, 0], [1, 1])).toThrow(/positive/);
  });

  it('reports median and range per arm', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });
});

describe('warm-up until steady', () => {
  it('goes on while throughput still climbs, arms taking turns, and stops each at its plateau', async () => {
    const seq: Record<'a' | 'b', number[]> = { a: [50, 80, 100, 102, 999], b: [100, 101, 999] };
    const calls: string[] = [];
    const seen = await warmUntilSteady(
      ['a', 'b'] as const,
      async (arm) => {
        calls.push(arm);
        return seq[arm].shift()!;
      },
      { minSeconds: 10, windowSeconds: 5, tolerance: 0.05, maxWindows: 8 },
    );
    expect(seen).toEqual({ a: [50, 80, 100, 102], b: [100, 101] });
    expect(calls.join('')).toBe('ababaa');
  });

  it('runs at least the minimum and at most maxWindows', async () => {
    let n = 0;
    const steady = await warmUntilSteady(['x'] as const, async () => 100, {
      minSeconds: 20,
      windowSeconds: 5,
      tolerance: 0.05,
      maxWindows: 8,
    });
    expect(steady.x).toHaveLength(4);
    const noisy = await warmUntilSteady(['x'] as const, async () => (n++ % 2 ? 50 : 100), {
      minSeconds: 5,
      windowSeconds: 5,
      tolerance: 0.05,
      maxWindows: 6,
    });
    expect(noisy.x).toHaveLength(6);
    expect(isSteady([100, 104], 0.05)).toBe(true);
    expect(isSteady([100, 106], 0.05)).toBe(false);
  });
});

describe('per-thread CPU', () => {
  const t = (comm: string, ns: number) => ({ comm, ns });

  it('groups threads: main, workers by script, unnamed helpers, native pools', () => {
    const labels = { '11': 'search-worker', '12': 'search-worker', '13': 'events-writer-worker' };
    const before = new Map([
      ['10', t('node', 1e9)],
      ['11', t('node', 2e9)],
      ['12', t('node', 2e9)],
      ['13', t('node', 0)],
      ['14', t('node', 5e8)],
    ]);
    const after = new Map([
      ['10', t('node', 1e9 + 300e6)],
      ['11', t('node', 2e9 + 200e6)],
      ['12', t('node', 2e9 + 250e6)],
      ['13', t('node', 10e6)],
      ['14', t('node', 5e8 + 40e6)],
      ['20', t('tokio-runtime-w', 100e6)], // started during the phase: counts from 0
    ]);
    const groups = {
      total: 9,
      main: 3,
      searchWorkers: 4.5,
      busiestSearchWorker: 2.5,
      eventsWriter: 0.1,
      v8AndLibuv: 0.4,
      native: 1,
    };
    expect(cpuPerRequest(before, after, 10, labels, 100)).toEqual(groups);
    // The main thread's time runnable but off CPU, beside the groups.
    const waiting = (m: Map<string, { comm: string; ns: number }>, waitNs: number) =>
      new Map([...m].map(([tid, v]) => [tid, tid === '10' ? { ...v, waitNs } : v]));
    expect(
      cpuPerRequest(waiting(before, 2e9), waiting(after, 2e9 + 450e6), 10, labels, 100),
    ).toEqual({ ...groups, mainWaitedForCpu: 4.5 });
    expect(threadGroup('15', 10, 'node', { '15': 'bm25-write-worker' })).toBe('otherWorkers');
    expect(threadGroup('16', 10, 'node', { '16': 'bm25-read-worker' })).toBe('lexicalSearch');
  });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'thread-cpu-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.runIf(process.platform === 'linux')(
    "finds a worker thread's OS id and charges its CPU to its script",
    async () => {
      const labels = labelWorkerThreads();
      const script = path.join(dir, 'search-worker.mjs');
      writeFileSync(
        script,
        "import { parentPort } from 'node:worker_threads';\n" +
          // A fixed amount of work (CPU time, whatever the machine's load does to wall time). `on`, not `once`: with
          // no listener left the thread exits after replying, sometimes before its CPU is read (then it is lost).
          'parentPort.on("message", () => { let x = 0; for (let i = 0; i < 3e8; i++) x += i % 7; parentPort.postMessage(x); });\n',
      );
      const w = new Worker(script);
      await new Promise((r) => w.once('online', r));
      // Up to 30 s for the thread to show under its name (the bound was 1 s, tight on a loaded CI box).
      for (let i = 0; i < 1500 && Object.keys(labels()).length === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      const before = readThreadCpu(process.pid);
      w.postMessage('go');
      await new Promise((r) => w.once('message', r));
      const after = readThreadCpu(process.pid);
      await w.terminate();
      expect(Object.values(labels())).toContain('search-worker');
      const ms = cpuPerRequest(before, after, process.pid, labels(), 1);
      expect(ms.searchWorkers).toBeGreaterThan(50); // the busy loop, on its own thread
      expect(ms.main ?? 0).toBeLessThan(ms.searchWorkers! / 4); // the main thread only waited
      expect(ms.mainWaitedForCpu).toBeGreaterThanOrEqual(0); // schedstat's wait field read (0 on an idle core)
    },
  );
});

describe('phase figures', () => {
  it('merges rounds by pooling latencies and weighting per-thread CPU by requests', () => {
    const p = (n: number, ms: number, main: number): RawPhase => ({
      requests: n,
      seconds: 1,
      errors: 0,
      latencies: Array.from({ length: n }, () => ms),
      stages: { bm25: [ms / 10] },
      cpuMs: main * n,
      threads: { total: main, main },
      offeredRate: 150,
      achievedRate: n,
      serviceTimes: Array.from({ length: n }, () => ms / 2),
    });
    const m = summarise('rate', mergeRaw([p(100, 10, 4), p(300, 20, 8)]), [1, 2]);
    expect(m.requests).toBe(400);
    expect(m.qps).toBe(200);
    expect(m.p50).toBe(20);
    expect(m.cpuMsPerRequest).toEqual({ server: 7, threads: { total: 7, main: 7 } });
    expect(m.offeredRate).toBe(150);
    expect(m.achievedRate).toBe(200);
    expect(m.service).toEqual({ p50: 10, p99: 10 });
  });
});
