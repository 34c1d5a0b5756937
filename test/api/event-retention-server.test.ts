import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildChorus } from '../../src/app/build.js';
import { parseConfig } from '../../src/config.js';
import { FEEDBACK_STATE_FILE, FeedbackState } from '../../src/feedback/feedback-state.js';

const dir = mkdtempSync(path.join(tmpdir(), 'chorus-retention-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const like = (id: string) => ({
  type: 'like' as const,
  eventId: id,
  collection: 'c',
  userId: 'u',
  itemId: 'a',
});

/** A pino destination that keeps the JSON lines logged. */
function logSink(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, sink };
}

describe('a server prunes its event log (feedback.retentionDays)', () => {
  it('deletes on its writer thread what was received before the window, logs it, keeps the rest', async () => {
    const { lines, sink } = logSink();
    // Client events' idempotency records in the serving state, applied at the same times as the events below.
    for (const [ids, ago] of [
      [['old1', 'old2'], 3 * DAY],
      [['recent'], DAY],
    ] as const) {
      const state = new FeedbackState(path.join(dir, FEEDBACK_STATE_FILE), {
        now: () => Date.now() - ago,
      });
      for (const id of ids) state.applyOnce(id, () => {});
      state.close();
    }
    const config = parseConfig({
      dataDir: dir,
      port: 0,
      feedback: { retentionDays: 2 },
    });
    const chorus = await buildChorus(config, {
      encoders: 'none',
      logger: pino({ level: 'info' }, sink),
    });
    try {
      chorus.db.events.append([like('old1'), like('old2')], { now: Date.now() - 3 * DAY });
      chorus.db.events.append([like('recent')], { now: Date.now() - DAY });
      expect(chorus.retention.enabled).toBe(true);
      const { url } = await chorus.listen();
      expect(await chorus.retention.runOnce()).toBe(2);
      const scraped = await (await fetch(`${url}/metrics`)).text();
      expect(scraped).toMatch(/^chorus_events_pruned 2$/m);
      expect(chorus.db.events.query({}).map((e) => e.event.eventId)).toEqual(['recent']);
      const logged = lines.map((l) => JSON.parse(l) as { msg: string; deleted?: number });
      expect(logged).toContainEqual(
        expect.objectContaining({ msg: 'event log retention: deleted old events', deleted: 2 }),
      );
      expect(logged).toContainEqual(
        expect.objectContaining({
          msg: 'feedback state retention: forgot applied event ids',
          forgotten: 2,
        }),
      );
      // The recent id still makes a retry a duplicate; the forgotten ones are gone with their events.
      expect(chorus.state.applyOnce('recent', () => {})).toBe(false);
      expect(chorus.state.applyOnce('old1', () => {})).toBe(true);
    } finally {
      await chorus.close();
    }
    // A retention of 0 keeps everything: no pass runs.
    const keep = await buildChorus(parseConfig({ dataDir: dir, feedback: { retentionDays: 0 } }), {
      encoders: 'none',
      logger: pino({ level: 'silent' }),
    });
    try {
      keep.db.events.append([like('ancient')], { now: 0 });
      expect(keep.retention.enabled).toBe(false);
      expect(await keep.retention.runOnce()).toBe(0);
      expect(keep.db.events.has('ancient')).toBe(true);
    } finally {
      await keep.close();
    }
  });

  it('gives the pages the pass freed back to the file system and logs how much', async () => {
    const { lines, sink } = logSink();
    const data = path.join(dir, 'reclaim');
    const chorus = await buildChorus(
      parseConfig({ dataDir: data, port: 0, feedback: { retentionDays: 2 } }),
      { encoders: 'none', logger: pino({ level: 'info' }, sink) },
    );
    try {
      for (let i = 0; i < 8_000; i += 500)
        chorus.db.events.append(
          Array.from({ length: 500 }, (_, k) => like(`old${i + k}-${'z'.repeat(80)}`)),
          { now: Date.now() - 3 * DAY },
        );
      chorus.db.events.append([like('recent')], { now: Date.now() - DAY });
      const pages = () => chorus.db.raw.pragma('page_count', { simple: true }) as number;
      const before = pages();
      await chorus.listen();
      expect(await chorus.retention.runOnce()).toBe(8_000);
      const logged = lines.map((l) => JSON.parse(l) as { msg: string; bytes?: number });
      const reclaimed = logged.find(
        (l) => l.msg === 'retention: gave free pages back to the file system',
      );
      expect(reclaimed?.bytes).toBeGreaterThan(1_000_000);
      expect(chorus.db.raw.pragma('freelist_count', { simple: true })).toBe(0);
      expect(pages()).toBeLessThan(before / 2);
      expect(chorus.db.events.query({}).map((e) => e.event.eventId)).toEqual(['recent']);
    } finally {
      await chorus.close();
    }
  });
});
