import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCompare } from '../../src/bench/latency-compare.js';
import { runLatency } from '../../src/bench/latency-run.js';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'latency-ab-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Real servers, real HTTP, real load generators; tiny sizes and 1 s phases (the figures are not the point).
describe('bench/latency', () => {
  it('measures closed-loop, fixed-rate and direct phases with per-thread CPU, then A/Bs two servers in ABBA rounds', async () => {
    const a = path.join(tmp, 'a');
    const r = await runLatency({
      n: 300,
      connections: 4,
      durationSeconds: 1,
      warmupSeconds: 1,
      warmupWindowSeconds: 1,
      rounds: 1,
      rate: 40,
      dims: { text: 16, image: 8 },
      candidates: 20,
      limit: 5,
      log: () => undefined,
      dataDir: a,
    });
    expect(r.phases.map((p) => p.kind)).toEqual(['raw', 'api', 'rate']);
    expect(r.rate!.offeredRate).toBe(40);
    expect(r.rate!.errors).toBe(0);
    expect(r.rate!.achievedRate).toBeGreaterThan(10);
    expect(r.rate!.service!.p99).toBeGreaterThan(0);
    expect(r.api.cpuMsPerRequest!.threads!.main).toBeGreaterThan(0);
    expect(r.api.cpuMsPerRequest!.client).toBeGreaterThan(0);
    expect(r.warmup!.api.length).toBeGreaterThanOrEqual(2);
    // The serving thread's stalls and GC pauses, per phase and merged (the server runs in this process here).
    for (const p of [r.api, r.rate!, ...r.phases])
      expect(p.stalls!.maxMs).toBeGreaterThanOrEqual(p.stalls!.p99Ms);
    expect(r.phases.reduce((a, p) => a + p.stalls!.minor.count, 0)).toBeGreaterThan(0);

    const b = path.join(tmp, 'b');
    cpSync(a, b, { recursive: true });
    const lines: string[] = [];
    const c = await runCompare({
      a: { root, dataDir: a },
      b: { root, dataDir: b },
      connections: 4,
      rounds: 2,
      roundSeconds: 1,
      rate: 40,
      phases: ['api', 'rate', 'raw'],
      warmupSeconds: 1,
      warmupWindowSeconds: 1,
      candidates: 20,
      limit: 5,
      log: (l) => lines.push(l),
    });
    expect(c.items).toBe(300);
    expect(c.order).toBe('AB BA');
    // Round 2 runs B before A.
    const measured = lines
      .filter((l) => /^ {2}round \d [AB] api/.test(l))
      .map((l) => l.slice(2, 11));
    expect(measured).toEqual(['round 1 A', 'round 1 B', 'round 2 B', 'round 2 A']);
    for (const arm of [c.a, c.b]) {
      expect(arm.dataDir).not.toBe('');
      for (const kind of ['api', 'rate', 'raw'] as const) {
        const k = arm.kinds[kind]!;
        expect(k.rounds).toHaveLength(2);
        expect(k.all.requests).toBeGreaterThan(0);
        expect(k.all.errors).toBe(0);
        expect(k.all.cpuMsPerRequest!.threads!.main).toBeGreaterThan(0);
        // Each arm's own event loop, asked for before and after every phase.
        for (const p of [k.all, ...k.rounds])
          expect(p.stalls!.maxMs).toBeGreaterThanOrEqual(p.stalls!.p99Ms);
      }
      const kinds = Object.values(arm.kinds);
      expect(kinds.reduce((a, k) => a + k.all.stalls!.minor.count, 0)).toBeGreaterThan(0);
      expect(arm.kinds.rate!.all.offeredRate).toBe(40);
    }
    for (const kind of ['api', 'rate', 'raw'] as const) {
      const x = c.ratios[kind]!;
      expect(x.qps.rounds).toBe(2);
      expect(x.qps.low).toBeLessThanOrEqual(x.qps.ratio);
      expect(x.qps.high).toBeGreaterThanOrEqual(x.qps.ratio);
    }
    // Different data on the two sides is refused before anything is measured.
    const other = path.join(tmp, 'other');
    cpSync(a, other, { recursive: true });
    writeFileSync(path.join(other, 'bodies.json'), '[]');
    await expect(
      runCompare({
        a: { root, dataDir: a },
        b: { root, dataDir: other },
        connections: 4,
        rounds: 1,
        roundSeconds: 1,
        rate: 0,
        phases: ['api'],
        warmupSeconds: 1,
        candidates: 20,
        limit: 5,
        log: () => undefined,
      }),
    ).rejects.toThrow(/different queries/);
  }, 600_000); // 76 s in CI, 130 s at load 14: phases are bounded in seconds, server start-up and ingest are not
});
