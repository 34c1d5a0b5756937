import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeStalls, StallMonitor, type LoopStalls } from '../../src/bench/loop-stalls.js';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('StallMonitor', () => {
  let monitor: StallMonitor | undefined;
  afterEach(() => monitor?.stop());

  it('reports the longest event-loop stall since the last take, then starts over', async () => {
    monitor = new StallMonitor(5).start();
    await sleep(30);
    monitor.take();
    await sleep(10);
    busy(300);
    await sleep(30);
    const stalled = monitor.take();
    expect(stalled.maxMs).toBeGreaterThanOrEqual(280);
    expect(stalled.maxMs).toBeLessThan(3000);
    await sleep(40);
    expect(monitor.take().maxMs).toBeLessThan(stalled.maxMs);
  });

  it('counts the GC pauses of the thread by kind', async () => {
    monitor = new StallMonitor().start();
    monitor.take();
    // Short-lived garbage well past the young generation's size: scavenges must run.
    let keep = 0;
    for (let round = 0; round < 10; round++) {
      const junk = Array.from({ length: 100_000 }, (_, i) => ({ i, s: `x${i}` }));
      keep += junk.length;
      await sleep(1);
    }
    expect(keep).toBe(1_000_000);
    await sleep(20); // GC entries are delivered asynchronously
    const s = monitor.take();
    expect(s.minor.count).toBeGreaterThan(0);
    expect(s.minor.totalMs).toBeGreaterThan(0);
    expect(s.minor.maxMs).toBeLessThanOrEqual(s.minor.totalMs);
    // Starts over: a quiet spell counts none (a pause of the loop above may still be delivered late, on a busy
    // machine, so a few spells are allowed).
    let later = -1;
    for (let spell = 0; spell < 10 && later !== 0; spell++) {
      await sleep(20);
      later = monitor.take().minor.count;
    }
    expect(later).toBe(0);
  });
});

describe('mergeStalls', () => {
  const phase = (maxMs: number, minor: [number, number, number]): LoopStalls => ({
    maxMs,
    p99Ms: maxMs / 2,
    minor: { count: minor[0], totalMs: minor[1], maxMs: minor[2] },
    major: { count: 0, totalMs: 0, maxMs: 0 },
  });

  it('keeps the worst stall and sums the pauses', () => {
    expect(mergeStalls([phase(40, [3, 9, 4]), phase(85, [2, 5, 3.5])])).toEqual({
      maxMs: 85,
      p99Ms: 42.5,
      minor: { count: 5, totalMs: 14, maxMs: 4 },
      major: { count: 0, totalMs: 0, maxMs: 0 },
    });
    expect(mergeStalls([])).toBeUndefined();
  });
});
