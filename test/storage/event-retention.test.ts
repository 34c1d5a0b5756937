import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeedbackEventInput } from '../../src/domain/feedback.js';
import { EventRetention } from '../../src/storage/event-retention.js';
import { OffThreadEventLog } from '../../src/storage/events-writer.js';
import { openChorusDb, type ChorusDb } from '../../src/storage/index.js';
import { featureRows, impressionEvent } from '../support/impressions.js';

const dirs: string[] = [];
const open: { db: ChorusDb; log: OffThreadEventLog }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.log.close();
    o.db.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDb(): { db: ChorusDb; log: OffThreadEventLog } {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-retention-'));
  dirs.push(dir);
  const db = openChorusDb(dir);
  const log = new OffThreadEventLog(db.events, db.file);
  open.push({ db, log });
  return { db, log };
}

const click = (id: string): FeedbackEventInput => ({
  type: 'click',
  eventId: id,
  collection: 'c',
  queryId: 'q',
  itemId: 'a',
});
const ids = (db: ChorusDb) => db.events.query({}).map((e) => e.event.eventId);

describe('event log retention', () => {
  it('deletes the events received before the cutoff, oldest first in batches; newer ones and later seqs stay', async () => {
    const { db } = tempDb();
    db.events.append([click('a1'), click('a2'), click('a3')], { now: 1_000 });
    db.events.append([click('b1'), click('b2')], { now: 2_000 });
    db.events.append([click('c1')], { now: 3_000 });
    const last = db.events.lastSeq();
    const progress: number[] = [];
    expect(
      await db.events.pruneReceivedBefore(2_500, { batch: 2, onBatch: (n) => progress.push(n) }),
    ).toBe(5);
    expect(progress).toEqual([2, 4]);
    // The batches commit without an fsync of their own; the connection's durable setting is back afterwards.
    expect(db.raw.pragma('synchronous', { simple: true })).toBe(2);
    expect(ids(db)).toEqual(['c1']);
    expect(await db.events.pruneReceivedBefore(2_500, { batch: 2 })).toBe(0);
    // Event time plays no part: an old timestamp received now is kept.
    db.events.append([{ ...click('d1'), timestamp: 5 }], { now: 4_000 });
    expect(await db.events.pruneReceivedBefore(3_500)).toBe(1);
    expect(ids(db)).toEqual(['d1']);
    // Sequence numbers are never reused: a resume cursor past a deleted event stays valid.
    expect(db.events.query({})[0]!.seq).toBeGreaterThan(last);
  });

  it('stops at the first event received after the cutoff, even if an older one follows it (clock skew)', async () => {
    const { db } = tempDb();
    db.events.append([click('a')], { now: 1_000 });
    db.events.append([click('b')], { now: 5_000 });
    db.events.append([click('c')], { now: 2_000 });
    expect(await db.events.pruneReceivedBefore(3_000, { batch: 1 })).toBe(1);
    expect(ids(db)).toEqual(['b', 'c']);
  });

  it('runs on the writer thread with the server appends going on; close cancels a long pass', async () => {
    const { db, log } = tempDb();
    const old = Array.from({ length: 1_200 }, (_, i) => click(`old${i}`));
    for (let i = 0; i < old.length; i += 400)
      db.events.append(old.slice(i, i + 400), { now: 1_000 });
    const served = (n: number) =>
      impressionEvent(
        `q${n}`,
        ['a', 'b'],
        featureRows(['a', 'b'], (k) => Array(k).fill(0.5)),
        {
          timestamp: 2_500,
        },
      );
    // Batches of 50: the appends sent meanwhile land between them.
    const pass = log.pruneReceivedBefore(2_000, { batch: 50 });
    const appends = Array.from({ length: 20 }, (_, n) =>
      log.append([served(n)], { origin: 'server', now: 3_000 }),
    );
    await Promise.all(appends);
    expect(await pass).toBe(1_200);
    expect(db.events.count({})).toBe(20);
    expect(log.counts).toEqual({ thread: 20, inline: 0 });

    // A pass of one event per batch over many events: closing the log stops it after the batch in progress.
    const more = Array.from({ length: 3_000 }, (_, i) => click(`more${i}`));
    db.events.append(more, { now: 1_500 });
    const long = log.pruneReceivedBefore(4_000, { batch: 1, duty: 1 });
    await new Promise((r) => setTimeout(r, 20));
    await log.close();
    const deleted = await long;
    expect(deleted).toBeGreaterThan(0);
    expect(deleted).toBeLessThan(3_020);
    expect(db.events.count({})).toBe(3_020 - deleted);
  });

  it('schedules passes with the configured window, one at a time, and never with a retention of 0', async () => {
    const cutoffs: number[] = [];
    let release: () => void = () => {};
    const retention = new EventRetention({
      keepMs: 1_000,
      now: () => 50_000,
      firstPassMs: 5,
      intervalMs: 10,
      prune: (cutoff) => {
        cutoffs.push(cutoff);
        return new Promise((r) => (release = () => r(7)));
      },
    });
    retention.start();
    await new Promise((r) => setTimeout(r, 40));
    // The first pass has not finished: no second one started beside it, and runOnce joins it.
    expect(cutoffs).toEqual([49_000]);
    const joined = retention.runOnce();
    release();
    expect(await joined).toBe(7);
    // The next pass comes after the interval, counted from the end of the last.
    await new Promise((r) => setTimeout(r, 40));
    expect(cutoffs.length).toBeGreaterThanOrEqual(2);
    release();
    await retention.stop();
    const n = cutoffs.length;
    await new Promise((r) => setTimeout(r, 40));
    expect(cutoffs.length).toBe(n);

    let called = false;
    const keepAll = new EventRetention({
      keepMs: 0,
      firstPassMs: 1,
      prune: () => ((called = true), Promise.resolve(0)),
    });
    keepAll.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(await keepAll.runOnce()).toBe(0);
    expect(called).toBe(false);
    expect(() => new EventRetention({ keepMs: -1, prune: () => Promise.resolve(0) })).toThrow(
      RangeError,
    );
  });

  it('tells a running pass once retention is stopped, so a long pass can end between batches', async () => {
    const seen: boolean[] = [];
    let release: () => void = () => {};
    const retention = new EventRetention({
      keepMs: 1_000,
      prune: async (_cutoff, stopped) => {
        seen.push(stopped());
        await new Promise<void>((r) => (release = r));
        seen.push(stopped());
        return 0;
      },
    });
    const pass = retention.runOnce();
    const stopping = retention.stop();
    release();
    await pass;
    await stopping;
    expect(seen).toEqual([false, true]);
  });
});
