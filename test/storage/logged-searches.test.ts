import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeedbackEventInput } from '../../src/domain/feedback.js';
import { openChorusDb, type LoggedSearchRow } from '../../src/storage/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-logged-searches-'));
const db = openChorusDb(dir);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('logged searches', () => {
  it('pages back through the server impressions by (ts, seq), each once, ties across pages included', () => {
    type Impression = Extract<FeedbackEventInput, { type: 'impression' }>;
    const events: Impression[] = Array.from({ length: 2500 }, (_, i) => ({
      type: 'impression',
      eventId: `imp_${i}`,
      collection: 'shop',
      ...(i % 5 ? { userId: `u${i % 7}` } : {}),
      queryId: `q${i}`,
      // Many equal timestamps: a page boundary falls inside a run of them.
      timestamp: 1_000 + Math.floor(i / 300),
      ...(i % 10 === 3 ? {} : { query: `query ${i}` }),
      items: i % 11 === 0 ? [] : [{ id: 'a', position: i % 13 === 0 ? 10 : 0 }],
    }));
    db.events.append(events, { origin: 'server' });
    db.events.append(
      [{ ...events[1]!, eventId: 'client-1', queryId: 'client-q', query: 'planted' }],
      { origin: 'client' },
    );
    db.events.append(
      [{ ...events[1]!, eventId: 'other-1', collection: 'other', queryId: 'other-q' }],
      { origin: 'server' },
    );
    const seen: LoggedSearchRow[] = [];
    let after: LoggedSearchRow | undefined;
    for (;;) {
      const page = db.events.loggedSearches({ collection: 'shop', from: 1_002, after, limit: 333 });
      seen.push(...page);
      if (page.length < 333) break;
      after = page[page.length - 1];
    }
    // ts >= 1002: events 600 onwards, newest first, each once.
    expect(seen.map((r) => r.seq)).toEqual(
      [...new Set(seen.map((r) => r.seq))].sort((a, b) => b - a),
    );
    expect(seen).toHaveLength(1900);
    const at = (i: number) => seen.find((r) => r.seq === i + 1)!;
    expect(at(601)).toEqual({
      seq: 602,
      ts: 1_002,
      userId: 'u6',
      query: 'query 601',
      shown: 1,
      first: 0,
    });
    expect(at(603).query).toBeNull();
    expect(at(605).userId).toBeNull();
    expect(at(616).first).toBe(0);
    expect(at(650).first).toBe(10);
    expect(at(660).shown).toBe(0);
    expect(seen.some((r) => r.query === 'planted')).toBe(false);
  });
});
