import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { Rng } from '../../rerankers/random.js';
import type { FeedbackEventInput } from '../../src/domain/feedback.js';
import { QUERY_FEATURES_KEY } from '../../src/domain/clickthrough.js';
import { OffThreadEventLog } from '../../src/storage/events-writer.js';
import { openChorusDb, type ChorusDb } from '../../src/storage/index.js';
import { featureRows, impressionEvent } from '../support/impressions.js';

const dirs: string[] = [];
const open: { db: ChorusDb; log?: OffThreadEventLog }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.log?.close();
    o.db.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDb(withLog = false): { db: ChorusDb; log: OffThreadEventLog } {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-events-writer-'));
  dirs.push(dir);
  const db = openChorusDb(dir);
  const log = new OffThreadEventLog(db.events, db.file);
  open.push({ db, log: withLog ? log : undefined });
  return { db, log };
}

const rng = new Rng(5);
const row = (n: number) => Array.from({ length: n }, () => Math.fround(rng.next() * 4 - 2));
const impression = (queryId: string, ids: string[], userId?: string): FeedbackEventInput =>
  impressionEvent(queryId, ids, featureRows(ids, row), {
    timestamp: 1_000 + queryId.length,
    userId,
  });
const rawRows = (db: ChorusDb) =>
  db.raw
    .prepare(
      'SELECT event_id, collection, type, user_id, query_id, item_id, ts, received_at, body, origin, feature_spec, feature_rows FROM events ORDER BY event_id',
    )
    .all();

describe('OffThreadEventLog (server impressions committed on a writer thread)', () => {
  it('stores exactly the rows an inline append stores, committed by the thread', async () => {
    const inline = tempDb();
    const threaded = tempDb(true);
    const batches = [
      [impression('q1', ['a', 'b', 'c'], 'u1'), impression('q2', ['b'])],
      [impression('q3', ['d', 'a'])],
      // A row of the wrong width is stored as JSON and marked untrainable, on both paths alike.
      [{ ...impression('q4', ['e']), features: { e: [1, 2], [QUERY_FEATURES_KEY]: [3] } }],
    ];
    for (const b of batches) {
      const want = inline.db.events.append(b, { origin: 'server', now: 42 });
      expect(await threaded.log.append(b, { origin: 'server', now: 42 })).toEqual(want);
    }
    expect(threaded.log.counts).toEqual({ thread: 3, inline: 0 });
    expect(rawRows(threaded.db)).toEqual(rawRows(inline.db));
    expect(threaded.db.events.query({ queryId: 'q1' })[0]!.event).toEqual(
      inline.db.events.query({ queryId: 'q1' })[0]!.event,
    );
  });

  it('falls back to the inline rules for an id already stored: retries are duplicates, changed content conflicts and writes nothing', async () => {
    const { db, log } = tempDb(true);
    const first = impression('q1', ['a']);
    await log.append([first], { origin: 'server', now: 1 });
    // Same content again (a retry) beside a new event: the new one is written, the retry counted as a duplicate.
    expect(
      await log.append([impression('q2', ['b']), first], { origin: 'server', now: 2 }),
    ).toEqual({ inserted: 1, duplicates: 1 });
    expect(log.counts).toEqual({ thread: 1, inline: 1 });
    const changed = { ...first, rankerVersion: 'other' };
    await expect(
      log.append([impression('q3', ['c']), changed], { origin: 'server', now: 3 }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(db.events.query({}).map((e) => e.event.eventId)).toEqual(['imp_q1', 'imp_q2']);
  });

  it('replaces a client event that took the id first (the server log wins), as inline', async () => {
    const { db, log } = tempDb(true);
    const client = impression('q1', ['a']);
    delete (client as { features?: unknown }).features;
    db.events.append([client], { origin: 'client' });
    await log.append([impression('q1', ['a'])], { origin: 'server', now: 5 });
    const [stored] = db.events.query({ queryId: 'q1' });
    expect(stored!.origin).toBe('server');
    expect(stored!.featureSpec).toBe(FEATURE_ROW_SHAPE.specVersion);
  });

  it('rejects a bad event before anything is sent, and appends client events in this thread', async () => {
    const { db, log } = tempDb(true);
    const bad = { ...impression('q1', ['a']), items: 'nope' } as unknown as FeedbackEventInput;
    await expect(
      log.append([impression('q0', ['z']), bad], { origin: 'server' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await log.append([{ type: 'click', eventId: 'c1', collection: 'c', itemId: 'a' }]);
    expect(log.counts).toEqual({ thread: 0, inline: 0 });
    expect(db.events.query({}).map((e) => e.event.eventId)).toEqual(['c1']);
  });

  it('keeps logging when its thread is gone, and deletes a user after their in-flight appends', async () => {
    const { db, log } = tempDb(true);
    await log.append([impression('q1', ['a'], 'u1')], { origin: 'server' });
    await log.close(); // the thread ends; the next append starts another
    const pending = log.append([impression('q2', ['b'], 'u1')], { origin: 'server' });
    const deleted = log.deleteUser('u1');
    await pending;
    expect(await deleted).toBe(2);
    expect(db.events.query({ userId: 'u1' })).toEqual([]);
    expect(log.counts.thread).toBe(2);
  });
});
