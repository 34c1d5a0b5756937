import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ctrOverTime } from '../../src/admin/analytics.js';
import { openChorusDb } from '../../src/storage/index.js';

const DAY = 86_400_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('admin analytics over a long log', () => {
  it('the CTR chart reads the newest events when the log holds more than it reads', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-analytics-'));
    dirs.push(dir);
    const db = openChorusDb(dir);
    try {
      const start = Date.UTC(2026, 0, 1);
      db.events.append(
        [0, 1, 2, 3].map((d) => ({
          type: 'impression' as const,
          eventId: `i${d}`,
          collection: 'c',
          queryId: `q${d}`,
          items: [{ id: 'a', position: 0 }],
          timestamp: start + d * DAY,
        })),
      );
      const days = (limit: number) =>
        ctrOverTime(db, 'c', 90, limit).t.map((t) => (t * 1000 - start) / DAY);
      expect(days(10)).toEqual([0, 1, 2, 3]);
      expect(days(2)).toEqual([2, 3]);
    } finally {
      db.close();
    }
  });
});
