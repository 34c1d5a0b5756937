import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBatcher } from '../../src/engine/event-batcher.js';
import { cosine } from '../../src/domain/vectors.js';
import { foldEvent, profileVector } from '../../src/domain/profile-math.js';
import { payloadTest } from '../../src/engine/filter-match.js';
import type { Filter } from '../../src/domain/filter.js';
import { mmr } from '../../src/engine/mmr.js';
import type { FeedbackEvent } from '../../src/domain/feedback.js';

const DAY = 24 * 3600 * 1000;

describe('profile math', () => {
  it('is a time-decayed mean: recent engagement dominates, skips push away', () => {
    const a = [1, 0, 0];
    const b = [0, 1, 0];
    let p = foldEvent(undefined, a, 1, 0, 7 * DAY);
    p = foldEvent(p, b, 1, 14 * DAY, 7 * DAY); // a has decayed to a quarter by then
    const v = profileVector(p)!;
    expect(cosine(v, b)).toBeGreaterThan(cosine(v, a));
    expect(v[1]! / v[0]!).toBeCloseTo(4, 5);
    const skipped = foldEvent(p, b, -0.5, 14 * DAY, 7 * DAY);
    expect(cosine(profileVector(skipped)!, b)).toBeLessThan(cosine(v, b));
    // Out-of-order events decay the older one, whichever arrives first.
    const late = foldEvent(foldEvent(undefined, b, 1, 14 * DAY, 7 * DAY), a, 1, 0, 7 * DAY);
    expect(Array.from(profileVector(late)!)).toEqual(
      Array.from(v).map((x) => expect.closeTo(x, 5)),
    );
  });
});

describe('filter evaluation (BM25 candidates)', () => {
  const payload = { category: 'coat', tags: ['wool', 'winter'], price: 120, sale: null };
  const indexes = {
    category: 'keyword',
    tags: 'keyword',
    price: 'float',
    sale: 'float',
  } as const;
  const matchesFilter = (p: typeof payload, f: Filter) => payloadTest(f, indexes)(p);
  it('matches must / should / must_not with arrays, ranges and exists', () => {
    expect(matchesFilter(payload, { must: [{ key: 'category', match: { value: 'coat' } }] })).toBe(
      true,
    );
    expect(matchesFilter(payload, { must: [{ key: 'tags', match: { value: 'wool' } }] })).toBe(
      true,
    );
    expect(matchesFilter(payload, { must: [{ key: 'price', range: { gte: 100, lt: 200 } }] })).toBe(
      true,
    );
    expect(matchesFilter(payload, { must: [{ key: 'price', range: { lt: 100 } }] })).toBe(false);
    expect(matchesFilter(payload, { should: [{ key: 'category', in: ['dress', 'shoe'] }] })).toBe(
      false,
    );
    expect(matchesFilter(payload, { must_not: [{ key: 'sale', exists: true }] })).toBe(true);
    expect(
      matchesFilter(payload, {
        must: [{ must_not: [{ key: 'category', match: { value: 'coat' } }] }],
      }),
    ).toBe(false);
  });
});

describe('MMR', () => {
  it('trades relevance for novelty', () => {
    const hit = (id: string, score: number) => ({
      id,
      score,
      payload: {},
      explanation: { scores: {}, shares: {}, ranker: 'x' },
    });
    const hits = [hit('a', 1), hit('a2', 0.99), hit('b', 0.5)];
    const vectors = new Map([
      ['a', { v: Float32Array.from([1, 0]) }],
      ['a2', { v: Float32Array.from([1, 0.01]) }],
      ['b', { v: Float32Array.from([0, 1]) }],
    ]);
    expect(mmr(hits, vectors, 0, 2).map((h) => h.id)).toEqual(['a', 'a2']);
    expect(mmr(hits, vectors, 0.7, 2).map((h) => h.id)).toEqual(['a', 'b']);
  });
});

describe('EventBatcher', () => {
  it('commits events queued in one tick as one batch, in order, and flushes', async () => {
    const batches: string[][] = [];
    const b = new EventBatcher(async (events) => {
      batches.push(events.map((e) => e.eventId));
    });
    const ev = (id: string) =>
      ({ type: 'click', eventId: id, collection: 'c', itemId: 'x' }) as FeedbackEvent;
    b.add(ev('1'));
    b.add(ev('2'));
    await b.flush();
    b.add(ev('3'));
    await b.flush();
    expect(batches).toEqual([['1', '2'], ['3']]);
  });
});

describe('EventBatcher group commit', () => {
  it('commits at once when idle, then at most once per window under a stream, losing nothing', async () => {
    const batches: string[][] = [];
    const b = new EventBatcher(
      async (events) => {
        batches.push(events.map((e) => e.eventId));
      },
      undefined,
      500,
      1000,
    );
    const ev = (id: string) =>
      ({ type: 'click', eventId: id, collection: 'c', itemId: 'x' }) as FeedbackEvent;
    const tick = () => new Promise((r) => setImmediate(r));
    b.add(ev('1'));
    await tick();
    expect(batches).toEqual([['1']]); // idle: the next tick, as without a window
    b.add(ev('2'));
    b.add(ev('3'));
    await tick();
    expect(batches).toEqual([['1']]); // inside the window: queued
    await new Promise((r) => setTimeout(r, 1100));
    expect(batches).toEqual([['1'], ['2', '3']]);
    b.add(ev('4'));
    await b.flush(); // flush never waits for the window
    expect(batches).toEqual([['1'], ['2', '3'], ['4']]);
  });
});

describe('FeedbackState item stats', () => {
  it('reads many items in one query', async () => {
    const { FeedbackState } = await import('../../src/feedback/feedback-state.js');
    const state = new FeedbackState(':memory:');
    state.bumpStats('c', 'a', { impressions: 3, clicks: 1, engagement: 1 });
    state.bumpStats('c', 'a', { impressions: 2 });
    state.bumpStats('c', 'b\'"', { clicks: 2 });
    state.bumpStats('other', 'a', { clicks: 9 });
    const stats = state.itemStats('c', ['a', 'b\'"', 'missing']);
    expect(stats.get('a')).toEqual({ impressions: 5, clicks: 1, engagement: 1 });
    expect(stats.get('b\'"')?.clicks).toBe(2);
    expect(stats.has('missing')).toBe(false);
    state.close();
  });

  it.each([
    ['read whole (few rows)', undefined],
    ['read id by id (over the whole-read bound)', 1],
  ])(
    'serves repeated reads from memory and stays exact through own writes, rollbacks and another connection: %s',
    async (_, statsFullMax) => {
      const { FeedbackState } = await import('../../src/feedback/feedback-state.js');
      const dir = mkdtempSync(path.join(tmpdir(), 'chorus-stats-'));
      const file = path.join(dir, 'state.sqlite');
      const state = new FeedbackState(file, { statsFullMax });
      // Two rows: over a bound of 1, so that case reads id by id.
      new FeedbackState(file).bumpStats('c', 'z', { impressions: 2 });
      const other = new FeedbackState(file);
      state.bumpStats('c', 'a', { impressions: 1 });
      const read = () => state.itemStats('c', ['a', 'b', 'z']);
      expect(read().get('a')?.impressions).toBe(1);
      expect(read().get('z')?.impressions).toBe(2);
      expect(read().has('b')).toBe(false); // cached as "no row"
      state.bumpStats('c', 'b', { clicks: 1 }); // own write: the cached "no row" must go
      expect(read().get('b')?.clicks).toBe(1);
      // A rolled-back apply leaves the stored value, not the bumped one.
      expect(() =>
        state.applyOnce('e1', () => {
          state.bumpStats('c', 'a', { impressions: 10 });
          throw new Error('fails after the bump');
        }),
      ).toThrow();
      expect(read().get('a')?.impressions).toBe(1);
      // A rolled-back first bump of an id without a row leaves it without one.
      expect(() =>
        state.applyOnce('e2', () => {
          state.bumpStats('c', 'n', { clicks: 3 });
          throw new Error('fails after the bump');
        }),
      ).toThrow();
      expect(state.itemStats('c', ['n']).has('n')).toBe(false);
      state.bumpStats('c', 'n', { clicks: 3 });
      expect(state.itemStats('c', ['n']).get('n')?.clicks).toBe(3);
      // A committed apply moves the cached counters by what SQLite added, for a known row and a new one.
      const before = read();
      state.applyOnce('e3', () => {
        state.bumpStats('c', 'a', { impressions: 1 });
        state.bumpStats('c', 'a', { impressions: 1, engagement: 0.25 });
        state.bumpStats('c', 'm', { clicks: 1, engagement: 0.5 });
      });
      expect(read().get('a')).toEqual({ impressions: 3, clicks: 0, engagement: 0.25 });
      expect(state.itemStats('c', ['m']).get('m')).toEqual({
        impressions: 0,
        clicks: 1,
        engagement: 0.5,
      });
      expect(before.get('a')?.impressions).toBe(1); // a map handed out earlier keeps its values
      const reader = new FeedbackState(file);
      expect(reader.itemStats('c', ['a', 'm', 'n'])).toEqual(state.itemStats('c', ['a', 'm', 'n'])); // = the file
      reader.close();
      other.bumpStats('c', 'a', { impressions: 4 }); // another connection's commit
      expect(read().get('a')?.impressions).toBe(7);
      other.dropCollection('c');
      expect(read().size).toBe(0);
      state.close();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    },
  );
});
