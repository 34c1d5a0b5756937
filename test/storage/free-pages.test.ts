import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeedbackEventInput } from '../../src/domain/feedback.js';
import { FeedbackState } from '../../src/feedback/feedback-state.js';
import { OffThreadEventLog } from '../../src/storage/events-writer.js';
import { reclaimsIncrementally } from '../../src/storage/free-pages.mjs';
import {
  compactFile,
  freeBytes,
  openChorusDb,
  openChorusDbFile,
  type ChorusDb,
} from '../../src/storage/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-free-pages-'));
  dirs.push(dir);
  return dir;
}

/** Events big enough that a few thousand span a few MB of pages. */
const click = (id: string): FeedbackEventInput => ({
  type: 'click',
  eventId: id,
  collection: 'c',
  queryId: `q-${id}-${'x'.repeat(100)}`,
  itemId: 'a',
});
function fill(db: ChorusDb, prefix: string, n: number, now: number): void {
  for (let i = 0; i < n; i += 500)
    db.events.append(
      Array.from({ length: Math.min(500, n - i) }, (_, k) => click(`${prefix}${i + k}`)),
      { now },
    );
}
/** Bytes the file's pages take (what it shrinks to at the next checkpoint). */
const allocated = (db: Database.Database) =>
  (db.pragma('page_count', { simple: true }) as number) *
  (db.pragma('page_size', { simple: true }) as number);
const ids = (db: ChorusDb) => db.events.query({}).map((e) => e.event.eventId);

describe('giving pruned pages back to the file system', () => {
  it('a new chorus.db gives the pages of pruned events back a step at a time; the kept events stay', async () => {
    const db = openChorusDb(tempDir());
    try {
      expect(reclaimsIncrementally(db.raw)).toBe(true);
      fill(db, 'old', 6_000, 1_000);
      fill(db, 'new', 300, 5_000);
      const full = allocated(db.raw);
      expect(await db.events.pruneReceivedBefore(2_000)).toBe(6_000);
      // Deleting only put the pages on the free list.
      expect(allocated(db.raw)).toBe(full);
      const free = freeBytes(db.raw);
      expect(free).toBeGreaterThan(full / 2);
      expect(await db.events.reclaimFreePages()).toBe(free);
      expect(freeBytes(db.raw)).toBe(0);
      const left = allocated(db.raw);
      expect(left).toBeLessThanOrEqual(full - free);
      db.raw.pragma('wal_checkpoint(TRUNCATE)');
      expect(statSync(db.file).size).toBe(left);
      expect(ids(db)).toEqual(Array.from({ length: 300 }, (_, i) => `new${i}`));
      expect(db.raw.pragma('integrity_check', { simple: true })).toBe('ok');
      // The connection's durable setting is back after the steps (they commit without an fsync of their own).
      expect(db.raw.pragma('synchronous', { simple: true })).toBe(2);
      expect(await db.events.reclaimFreePages()).toBe(0);
    } finally {
      db.close();
    }
  });

  it("a server's writer thread does it with appends in between; close stops it", async () => {
    const db = openChorusDb(tempDir());
    const log = new OffThreadEventLog(db.events, db.file);
    try {
      fill(db, 'old', 4_000, 1_000);
      expect(await log.pruneReceivedBefore(2_000, { duty: 1 })).toBe(4_000);
      const free = freeBytes(db.raw);
      const [reclaimed] = await Promise.all([
        log.reclaimFreePages({ duty: 1 }),
        log.append([click('during')], { origin: 'server' }).catch(() => undefined),
      ]);
      expect(reclaimed).toBeGreaterThan(0);
      expect(reclaimed).toBeLessThanOrEqual(free);
      expect(freeBytes(db.raw)).toBeLessThan(free);
      expect(db.raw.pragma('integrity_check', { simple: true })).toBe('ok');
      // A pass that close() interrupts resolves with what it gave back so far.
      fill(db, 'more', 20_000, 1_000);
      // ('during' heads the log now, received at the present time.)
      expect(await log.pruneReceivedBefore(Date.now() + 1_000, { duty: 1 })).toBe(20_001);
      const slow = log.reclaimFreePages({ duty: 0.01 });
      await log.close();
      expect(await slow).toBeGreaterThan(0);
      expect(freeBytes(db.raw)).toBeGreaterThan(0);
    } finally {
      await log.close();
      db.close();
    }
  });

  it('a file from before gives nothing back on its own; compact converts it, shrinks it, keeps every event', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'chorus.db');
    // A file made before incremental auto-vacuum: the pragma takes effect on new files only.
    const legacy = new Database(file);
    legacy.pragma('journal_mode = WAL');
    legacy.exec('CREATE TABLE before_upgrade (x)');
    legacy.close();
    let db = openChorusDbFile(file);
    fill(db, 'old', 6_000, 1_000);
    fill(db, 'new', 200, 5_000);
    await db.events.pruneReceivedBefore(2_000);
    expect(reclaimsIncrementally(db.raw)).toBe(false);
    const free = freeBytes(db.raw);
    expect(free).toBeGreaterThan(0);
    expect(await db.events.reclaimFreePages()).toBe(0);
    expect(freeBytes(db.raw)).toBe(free);
    const kept = db.events.query({});
    db.close();

    const r = compactFile(file);
    expect(r).toMatchObject({ file, converted: true });
    expect(r.bytesAfter).toBeLessThanOrEqual(r.bytesBefore - free + 64 * 1024);
    expect(statSync(file).size).toBe(r.bytesAfter);
    db = openChorusDbFile(file);
    try {
      expect(reclaimsIncrementally(db.raw)).toBe(true);
      expect(db.events.query({})).toEqual(kept);
      expect(db.raw.pragma('integrity_check', { simple: true })).toBe('ok');
      // From now on retention gives pages back by itself.
      fill(db, 'later', 3_000, 6_000);
      expect(await db.events.pruneReceivedBefore(7_000)).toBe(3_200);
      expect(await db.events.reclaimFreePages()).toBeGreaterThan(0);
    } finally {
      db.close();
    }
    expect(compactFile(file).converted).toBe(false);
  });

  it('compact refuses a file another connection has open (a running server) and leaves it as it was', () => {
    const dir = tempDir();
    const server = openChorusDb(dir);
    try {
      fill(server, 'e', 1_000, 1_000);
      const before = ids(server);
      expect(() => compactFile(server.file)).toThrow(
        expect.objectContaining({
          code: 'CONFLICT',
          message: expect.stringMatching(/open in another process/),
        }),
      );
      // The server's connection goes on writing and reading.
      fill(server, 'after', 10, 2_000);
      expect(ids(server)).toEqual([
        ...before,
        ...Array.from({ length: 10 }, (_, i) => `after${i}`),
      ]);
    } finally {
      server.close();
    }
    expect(compactFile(path.join(dir, 'chorus.db')).converted).toBe(false);
  });

  it('the feedback state gives the pages of forgotten applied ids back', async () => {
    const file = path.join(tempDir(), 'feedback-state.sqlite');
    const state = new FeedbackState(file, { now: () => 1_000 });
    try {
      for (let i = 0; i < 20_000; i++) state.applyOnce(`event-${i}-${'y'.repeat(40)}`, () => {});
      expect(await state.pruneAppliedBefore(2_000)).toBe(20_000);
      expect(await state.reclaimFreePages()).toBeGreaterThan(500_000);
    } finally {
      state.close();
    }
    expect(await state.reclaimFreePages()).toBe(0);
  });
});
