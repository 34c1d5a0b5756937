import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedbackState, MOST_ENGAGED_TTL_MS } from '../../src/feedback/feedback-state.js';

// Every search reads its candidates' counters with itemStatsOf: one entry per id, in the order asked, the same
// values itemStats (a Map) gives, whether the collection's counters are cached whole or read id by id.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fileIn(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-item-stats-'));
  dirs.push(dir);
  return path.join(dir, 'state.sqlite');
}

describe('feedback state: counters of a candidate list', () => {
  for (const [how, statsFullMax] of [
    ['read whole', undefined],
    ['read id by id', 2],
  ] as const) {
    it(`one entry per id in the order asked, duplicates and unknown ids included (${how})`, () => {
      const file = fileIn();
      const writer = new FeedbackState(file);
      const reader = new FeedbackState(file, { statsFullMax });
      try {
        writer.batch(() => {
          for (const [id, n] of [
            ['a', 3],
            ['b', 1],
            ['c', 2],
            ['d', 5],
          ] as const)
            writer.bumpStats('col', id, { impressions: n, clicks: n - 1, engagement: n / 2 });
          writer.bumpStats('other', 'a', { impressions: 7 });
        });
        const ids = ['d', 'zz', 'a', 'a', 'c', 'nope', 'b'];
        for (let pass = 0; pass < 2; pass++) {
          // The second pass is served from the cache the first one filled.
          const got = reader.itemStatsOf('col', ids);
          expect(got).toEqual([
            { impressions: 5, clicks: 4, engagement: 2.5 },
            undefined,
            { impressions: 3, clicks: 2, engagement: 1.5 },
            { impressions: 3, clicks: 2, engagement: 1.5 },
            { impressions: 2, clicks: 1, engagement: 1 },
            undefined,
            { impressions: 1, clicks: 0, engagement: 0.5 },
          ]);
          const map = reader.itemStats('col', ids);
          expect([...map.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
          ids.forEach((id, i) => expect(map.get(id)).toEqual(got[i]));
        }
        // Another connection's commit is seen on the next read.
        writer.bumpStats('col', 'zz', { impressions: 1 });
        expect(reader.itemStatsOf('col', ['zz', 'a'])).toEqual([
          { impressions: 1, clicks: 0, engagement: 0 },
          { impressions: 3, clicks: 2, engagement: 1.5 },
        ]);
        expect(reader.itemStatsOf('col', [])).toEqual([]);
      } finally {
        reader.close();
        writer.close();
      }
    });
  }
});

describe('feedback state: the most engaged items', () => {
  it('lists positive engagement only, most first, ties by id; read again after the TTL, at once for a longer list', () => {
    let now = 1_000;
    const state = new FeedbackState(fileIn(), { now: () => now });
    try {
      state.bumpStats('col', 'b', { engagement: 3 });
      state.bumpStats('col', 'a', { engagement: 3 });
      state.bumpStats('col', 'c', { engagement: 1.5 });
      state.bumpStats('col', 'skipped', { engagement: -0.5 });
      state.bumpStats('col', 'shown', { impressions: 9 });
      state.bumpStats('other', 'z', { engagement: 99 });
      const ids = (n: number) => state.mostEngaged('col', n).map((r) => r.id);
      expect(state.mostEngaged('col', 10)).toEqual([
        { id: 'a', engagement: 3 },
        { id: 'b', engagement: 3 },
        { id: 'c', engagement: 1.5 },
      ]);
      expect(ids(2)).toEqual(['a', 'b']);
      state.bumpStats('col', 'c', { engagement: 10 });
      expect(ids(10)).toEqual(['a', 'b', 'c']); // kept for the TTL
      expect(ids(20)).toEqual(['c', 'a', 'b']); // a longer list than kept is read
      state.bumpStats('col', 'd', { engagement: 50 });
      now += MOST_ENGAGED_TTL_MS;
      expect(ids(2)).toEqual(['d', 'c']);
      state.dropCollection('col');
      expect(ids(10)).toEqual([]);
    } finally {
      state.close();
    }
  });

  it('trending decays each engagement by its age (halved every 7 days); a future time counts as now', () => {
    const day = 86_400_000;
    let now = Date.UTC(2026, 11, 1);
    const state = new FeedbackState(fileIn(), { now: () => now });
    try {
      state.bumpStats('col', 'old', { engagement: 10 }, now - 28 * day); // 4 half-lives: 0.625 now
      state.bumpStats('col', 'new', { engagement: 2 }, now);
      state.bumpStats('col', 'future', { engagement: 1 }, now + 365 * day); // a client's clock: as now
      state.bumpStats('col', 'shown', { impressions: 5 }, now);
      expect(state.mostEngaged('col', 10).map((r) => r.id)).toEqual(['old', 'new', 'future']);
      const trending = state.mostEngaged('col', 10, 'trending');
      expect(trending.map((r) => r.id)).toEqual(['new', 'future', 'old']);
      expect(trending[0]!.engagement).toBeCloseTo(2, 9);
      expect(trending[2]!.engagement).toBeCloseTo(0.625, 9);
      // A week on, the same order at half the value; new engagement then outweighs the old.
      now += 7 * day + MOST_ENGAGED_TTL_MS;
      state.bumpStats('col', 'old', { engagement: 1.5 }, now);
      const later = state.mostEngaged('col', 10, 'trending');
      expect(later.map((r) => r.id)).toEqual(['old', 'new', 'future']);
      expect(later[1]!.engagement).toBeCloseTo(2 * 2 ** -(1 + MOST_ENGAGED_TTL_MS / (7 * day)), 9);
    } finally {
      state.close();
    }
  });

  it('a state file from before trends gets them from its engagement, as of the upgrade', () => {
    const file = fileIn();
    const old = new Database(file);
    old.exec(`CREATE TABLE item_stats (collection TEXT NOT NULL, item_id TEXT NOT NULL,
      impressions INTEGER NOT NULL DEFAULT 0, clicks INTEGER NOT NULL DEFAULT 0, engagement REAL NOT NULL DEFAULT 0,
      PRIMARY KEY (collection, item_id)) WITHOUT ROWID;
      INSERT INTO item_stats VALUES ('col', 'a', 9, 2, 3), ('col', 'b', 9, 4, 6), ('col', 'c', 9, 0, 0);`);
    old.close();
    const now = Date.UTC(2026, 11, 1);
    const state = new FeedbackState(file, { now: () => now });
    try {
      const trending = state.mostEngaged('col', 10, 'trending');
      expect(trending.map((r) => r.id)).toEqual(['b', 'a']);
      expect(trending[0]!.engagement).toBeCloseTo(6, 9);
      expect(state.itemStats('col', ['a']).get('a')).toEqual({
        impressions: 9,
        clicks: 2,
        engagement: 3,
      });
    } finally {
      state.close();
    }
  });
});
