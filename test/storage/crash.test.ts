import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openChorusDb } from '../../src/storage/index.js';
import { PROGRESS_MS, runAndKill } from '../stores/crash-harness.js';

const BATCH = 200;
const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-crash-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite event store survives SIGKILL mid-append', () => {
  it(
    'keeps every acknowledged append, never a partial batch, and appends again after reopening',
    async () => {
      const everAcked: number[] = [];
      let next = 0;
      for (const [round, extraMs] of [3, 0, 11].entries()) {
        const { acked, signal } = await runAndKill({
          mode: 'sqlite',
          dataDir: dir,
          first: next,
          batchSize: BATCH,
          killAfterAcks: 20,
          extraMs,
        });
        expect(signal).toBe('SIGKILL');
        everAcked.push(...acked);
        const db = openChorusDb(dir);
        const perBatch = new Map<number, number>();
        for (const { event } of db.events.iterate({ collection: 'crash' })) {
          const b = Number(/^b(\d+)-/.exec(event.eventId)![1]);
          perBatch.set(b, (perBatch.get(b) ?? 0) + 1);
        }
        for (const b of everAcked)
          expect(perBatch.get(b), `acknowledged batch ${b} (round ${round})`).toBe(BATCH);
        for (const [b, n] of perBatch) expect(n, `batch ${b} is all or nothing`).toBe(BATCH);
        // Each kill may land after a commit and before its ACK: at most one such batch per round so far.
        expect(
          [...perBatch.keys()].filter((b) => !everAcked.includes(b)).length,
        ).toBeLessThanOrEqual(round + 1);
        expect(db.events.count()).toBe(perBatch.size * BATCH);
        // Re-sending an acknowledged batch (a client retry after the crash) adds nothing.
        const last = Math.max(...everAcked);
        const retry = Array.from({ length: BATCH }, (_, i) => ({
          type: 'click' as const,
          eventId: `b${last}-e${i}`,
          collection: 'crash',
          // The same content the child sent (a changed event under a reused id is a 409 by design).
          userId: `u${i % 7}`,
          itemId: `item${i}`,
          timestamp: last * 1000 + i,
        }));
        expect(db.events.append(retry)).toEqual({ inserted: 0, duplicates: BATCH });
        db.close();
        next = Math.max(...perBatch.keys()) + 1;
      }
      const db = openChorusDb(dir);
      const before = db.events.count();
      expect(
        db.events.append([
          { type: 'like', eventId: 'after-crash', collection: 'crash', itemId: 'x' },
        ]),
      ).toEqual({
        inserted: 1,
        duplicates: 0,
      });
      expect(db.events.count()).toBe(before + 1);
      expect(db.raw.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    },
    3 * PROGRESS_MS + 120_000,
  ); // each round spawns a tsx child: slow on a loaded CI machine
});
