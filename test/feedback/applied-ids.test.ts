import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeedbackState } from '../../src/feedback/feedback-state.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'chorus-applied-ids-'));
  file = path.join(dir, 'state.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function ids(f: string): string[] {
  const db = new Database(f, { readonly: true });
  try {
    const rows = db.prepare('SELECT event_id FROM applied_events ORDER BY event_id').all();
    return (rows as { event_id: string }[]).map((r) => r.event_id);
  } finally {
    db.close();
  }
}

describe('applied event ids (client idempotency) are kept for the retention window', () => {
  it('forgets the ids applied before the cutoff, oldest first in batches, and keeps the rest', async () => {
    let clock = 1_000;
    const state = new FeedbackState(file, { now: () => clock });
    for (let i = 0; i < 10; i++) {
      clock = 1_000 + i;
      expect(state.applyOnce(`e${i}`, () => state.bumpStats('c', 'a', { clicks: 1 }))).toBe(true);
    }
    expect(state.applyOnce('e3', () => state.bumpStats('c', 'a', { clicks: 1 }))).toBe(false);
    // Batches of 3, the event loop's turn between them: another connection sees the first batch gone alone.
    let between: string[] = [];
    setImmediate(() => (between = ids(file)));
    const forgotten = await state.pruneAppliedBefore(1_007, { batch: 3 });
    expect(between).toEqual(['e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
    expect(forgotten).toBe(7);
    expect(ids(file)).toEqual(['e7', 'e8', 'e9']);
    expect(await state.pruneAppliedBefore(1_007)).toBe(0);
    // What was forgotten applies again (its log entry is gone by then too); the kept ones stay duplicates.
    expect(state.applyOnce('e0', () => state.bumpStats('c', 'a', { clicks: 1 }))).toBe(true);
    expect(state.applyOnce('e8', () => state.bumpStats('c', 'a', { clicks: 1 }))).toBe(false);
    expect(state.itemStats('c', ['a']).get('a')?.clicks).toBe(11);
    state.close();
  });

  it('a pass told to stop (a closing server) ends after the batch it is in', async () => {
    let clock = 0;
    const state = new FeedbackState(file, { now: () => clock++ });
    for (let i = 0; i < 10; i++) state.applyOnce(`s${i}`, () => {});
    let batches = 0;
    const stopped = () => batches++ >= 2; // asked before each batch: two run
    expect(await state.pruneAppliedBefore(100, { batch: 3, stopped })).toBe(6);
    expect(ids(file)).toEqual(['s6', 's7', 's8', 's9']);
    state.close();
    expect(await state.pruneAppliedBefore(100)).toBe(0); // closed: nothing, no throw
  });

  it('a file from before the ids had a time: its ids count as applied at the upgrade; user_events is dropped', async () => {
    const old = new Database(file);
    old.exec(`
      CREATE TABLE applied_events (event_id TEXT PRIMARY KEY) WITHOUT ROWID;
      CREATE TABLE user_events (event_id TEXT PRIMARY KEY, user_id TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO applied_events VALUES ('legacy1'), ('legacy2');
      INSERT INTO user_events VALUES ('legacy1', 'u1');
    `);
    old.close();
    const state = new FeedbackState(file, { now: () => 50_000 });
    expect(state.applyOnce('legacy1', () => {})).toBe(false);
    expect(await state.pruneAppliedBefore(50_000)).toBe(0);
    expect(await state.pruneAppliedBefore(50_001)).toBe(2);
    state.close();
    const db = new Database(file);
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    db.close();
    expect(tables).not.toContain('user_events');
    expect(tables).toContain('applied_events');
  });
});
