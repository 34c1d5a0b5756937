import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FeedbackEvent } from '../../src/domain/feedback.js';
import { FeedbackState } from '../../src/feedback/feedback-state.js';
import { ingestFeedback } from '../../src/feedback/ingest.js';
import type { VectorStore } from '../../src/stores/vector-store.js';

// Events applied together share one SQLite transaction: each keeps its own all-or-nothing savepoint, the series
// commits once (one WAL commit instead of one per logged impression), and the counters cached in memory stay
// equal to the file.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function stateFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-state-batch-'));
  dirs.push(dir);
  return path.join(dir, 'state.sqlite');
}

const impression = (n: number, items: string[]): FeedbackEvent => ({
  type: 'impression',
  eventId: `imp_${n}`,
  collection: 'c',
  queryId: `q${n}`,
  rankerVersion: 'rrf',
  items: items.map((id, position) => ({ id, position })),
  timestamp: 1_000 + n,
});

// No event here needs item vectors (impressions, and clicks without a user).
const store = {} as VectorStore;

describe('feedback state: events applied together commit once', () => {
  it('a series of impressions is one commit: the WAL grows by a few pages, not by pages per event', async () => {
    const walBytes = (f: string) => statSync(`${f}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    const events = Array.from({ length: 60 }, (_, n) => impression(n, ['a', 'b', 'c']));
    const grown: number[] = [];
    for (const batch of [events, events.map((e) => ({ ...e, eventId: `${e.eventId}_` }))]) {
      const file = stateFile();
      const state = new FeedbackState(file);
      state.bumpStats('c', 'a', { impressions: 0 }); // schema and first pages written
      const before = walBytes(file);
      if (grown.length === 0) await ingestFeedback({ store, state }, batch, 'server');
      // The same events one call each: one commit per event, as before batches.
      else for (const e of batch) await ingestFeedback({ store, state }, [e], 'server');
      grown.push((walBytes(file) - before) / 4096);
      expect(state.itemStats('c', ['a', 'b', 'c']).get('b')?.impressions).toBe(60);
      state.close();
    }
    // One commit rewrites each touched page once (a few); sixty commits write them sixty times.
    expect(grown[0]).toBeLessThan(8);
    expect(grown[1]).toBeGreaterThan(60);
  });

  it('a failing event rolls back alone: the ones before it stay applied, the rest wait for a retry', async () => {
    const file = stateFile();
    const state = new FeedbackState(file);
    state.itemStats('c', ['a']); // counters cached: they must follow the commit exactly
    const bump = state.bumpStats.bind(state);
    const spy = vi.spyOn(state, 'bumpStats').mockImplementation((collection, item, delta) => {
      bump(collection, item, delta);
      if (item === 'boom') throw new Error('disk said no');
    });
    const events = [impression(1, ['a']), impression(2, ['a', 'boom']), impression(3, ['a'])];
    // Client events: a client retries what failed (the engine's own impressions are never retried).
    await expect(ingestFeedback({ store, state }, events, 'client')).rejects.toThrow(
      'disk said no',
    );
    // Event 1 committed; event 2 rolled back whole (its bump of `a` too); event 3 never ran.
    const reader = new FeedbackState(file);
    expect(reader.itemStats('c', ['a', 'boom'])).toEqual(
      new Map([['a', { impressions: 1, clicks: 0, engagement: 0 }]]),
    );
    expect(state.itemStats('c', ['a', 'boom'])).toEqual(reader.itemStats('c', ['a', 'boom']));
    // A retry applies what did not commit, once.
    spy.mockRestore();
    expect(await ingestFeedback({ store, state }, events, 'client')).toEqual({
      accepted: 2,
      duplicates: 1,
    });
    expect(state.itemStats('c', ['a', 'boom'])).toEqual(
      new Map([
        ['a', { impressions: 3, clicks: 0, engagement: 0 }],
        ['boom', { impressions: 1, clicks: 0, engagement: 0 }],
      ]),
    );
    const fresh = new FeedbackState(file);
    expect(fresh.itemStats('c', ['a', 'boom'])).toEqual(state.itemStats('c', ['a', 'boom']));
    for (const s of [state, reader, fresh]) s.close();
  });

  it("the engine's own impressions are applied without recording their ids; client events keep idempotency", async () => {
    const file = stateFile();
    const state = new FeedbackState(file);
    const recorded = () => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM applied_events').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const served = Array.from({ length: 50 }, (_, n) => impression(n, ['a', 'b']));
    expect(await ingestFeedback({ store, state }, served, 'server')).toEqual({
      accepted: 50,
      duplicates: 0,
    });
    expect(recorded()).toBe(0);
    expect(state.itemStats('c', ['a']).get('a')?.impressions).toBe(50);
    // A client's events are recorded: sent twice, counted once.
    const sent = [impression(100, ['a']), impression(101, ['b'])];
    await ingestFeedback({ store, state }, sent, 'client');
    expect(await ingestFeedback({ store, state }, sent, 'client')).toEqual({
      accepted: 0,
      duplicates: 2,
    });
    expect(recorded()).toBe(2);
    expect(new FeedbackState(file).itemStats('c', ['a', 'b'])).toEqual(
      new Map([
        ['a', { impressions: 51, clicks: 0, engagement: 0 }],
        ['b', { impressions: 51, clicks: 0, engagement: 0 }],
      ]),
    );
    state.close();
  });

  it('cached counters move only once the whole series commits, and match the file after it', async () => {
    const file = stateFile();
    const state = new FeedbackState(file);
    state.bumpStats('c', 'a', { impressions: 2 });
    expect(state.itemStats('c', ['a', 'b']).get('a')?.impressions).toBe(2);
    const seenInside: (number | undefined)[] = [];
    state.batch(() => {
      state.applyOnce('e1', () => state.bumpStats('c', 'a', { impressions: 1 }));
      // Applied but not committed: the cache still shows what is stored.
      seenInside.push(state.itemStats('c', ['a']).get('a')?.impressions);
      state.applyOnce('e2', () => state.bumpStats('c', 'b', { clicks: 1 }));
    });
    expect(seenInside).toEqual([2]);
    expect(state.itemStats('c', ['a', 'b'])).toEqual(
      new Map([
        ['a', { impressions: 3, clicks: 0, engagement: 0 }],
        ['b', { impressions: 0, clicks: 1, engagement: 0 }],
      ]),
    );
    // A batch that throws commits nothing and moves no cached counter.
    expect(() =>
      state.batch(() => {
        state.applyOnce('e3', () => state.bumpStats('c', 'a', { impressions: 5 }));
        throw new Error('stop');
      }),
    ).toThrow('stop');
    expect(state.itemStats('c', ['a']).get('a')?.impressions).toBe(3);
    const reader = new FeedbackState(file);
    expect(reader.itemStats('c', ['a', 'b'])).toEqual(state.itemStats('c', ['a', 'b']));
    // e3 rolled back with its batch: it applies on a retry.
    expect(state.applyOnce('e3', () => {})).toBe(true);
    reader.close();
    state.close();
  });
});
