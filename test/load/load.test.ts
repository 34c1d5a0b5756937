import { describe, expect, it } from 'vitest';
import { runLoad } from '../../bench/load-run.js';

/** The short version of bench/load.ts: 8 connections for 5 s against the real `chorus serve`. */
describe('load: bounded mixed search + feedback on a real server', () => {
  it('answers every request without errors or timeouts and stores every acknowledged feedback event', async () => {
    const r = await runLoad({
      connections: 8,
      durationS: 5,
      warmupS: 1,
      baselineS: 1,
      items: 300,
      dim: 32,
      feedbackShare: 0.3,
      timeoutS: 10,
    });
    console.info(
      `load (short): ${r.mixed.qps} req/s, p50 ${r.mixed.p50Ms} ms, p99 ${r.mixed.p99Ms} ms, ${r.mixed.searches} searches, ${r.feedback.acknowledged} feedback acknowledged, RSS ${r.rssMb.afterWarmup} -> ${r.rssMb.afterRun} MB`,
    );
    expect(r.mixed.requests).toBeGreaterThan(10);
    expect(r.mixed.errors).toBe(0);
    expect(r.mixed.timeouts).toBe(0);
    expect(r.mixed.non2xx).toBe(0);
    expect(r.mixed.searchOk).toBe(r.mixed.searches);
    expect(r.feedback.acknowledged).toBeGreaterThan(0);
    expect(r.feedback.acknowledged).toBe(r.mixed.feedbackPosts);
    expect(r.feedback.missing).toBe(0);
  }, 90_000);
});
