import { expect } from 'vitest';
import type { ScenarioOutcome } from './resume-scenario.js';

/** The assertions shared by the in-process and BullMQ kill-and-resume tests. */
export function expectResumedCleanly(o: ScenarioOutcome, queue: 'in-process' | 'bullmq'): void {
  const good = o.corpus.goodIds.length;
  const diag = `first run stderr:\n${o.first.stderr.slice(-2000)}\nsecond run stderr:\n${o.second.stderr.slice(-2000)}`;
  // The first run really died mid-way by SIGKILL, with part of the work stored.
  expect(o.first.signal, diag).toBe('SIGKILL');
  expect(o.killedAt, diag).toBeGreaterThan(0);
  expect(o.before.count).toBeGreaterThan(0);
  expect(o.before.count).toBeLessThan(good);

  // The rerun finished: exit 1 because some items are bad, every good item stored exactly once.
  expect(o.second.code, diag).toBe(1);
  expect(o.second.stderr).toContain(`queue: ${queue}`);
  expect(o.summary.resumed).toBe(true);
  expect(o.summary.interrupted).toBe(false);
  expect(o.after.count).toBe(good);
  expect(new Set(o.after.ids).size).toBe(o.after.ids.length);
  expect([...o.after.ids].sort()).toEqual(o.corpus.goodIds);

  // Items stored before the kill were not embedded again: their write time is unchanged...
  for (const [id, t] of o.before.indexedAt)
    expect(o.after.indexedAt.get(id), `item ${id} was rewritten`).toBe(t);
  // ...and the rerun encoded at most the items that were still missing (plus the bad media ones, which fail in the encoder).
  expect(o.summary.encoded).toBeLessThanOrEqual(good - o.before.count + o.corpus.bad.size);

  // The error report lists exactly the bad files, once each.
  expect(o.summary.failed).toBe(o.corpus.bad.size);
  const reported = new Map(o.report.map((r) => [r.id, r.path]));
  expect(o.report.length).toBe(o.corpus.bad.size);
  expect(reported).toEqual(o.corpus.bad);
  for (const r of o.report) expect(r.reason.length).toBeGreaterThan(5);

  // BM25 follows the store: every stored item with text is in the lexical index.
  expect(o.lexicalCount).toBe(o.corpus.textIds.length);
}
