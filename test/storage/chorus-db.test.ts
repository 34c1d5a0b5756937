import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FeedbackEventInput } from '../../src/domain/feedback.js';
import { ChorusError } from '../../src/errors.js';
import { MIGRATIONS, openChorusDb, type ChorusDb } from '../../src/storage/index.js';

let dir: string;
let db: ChorusDb;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-db-'));
  db = openChorusDb(dir);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const impression = (id: string, user: string, query: string, ts: number): FeedbackEventInput => ({
  type: 'impression',
  eventId: id,
  collection: 'shop',
  userId: user,
  queryId: query,
  timestamp: ts,
  items: [
    { id: 'a', position: 0 },
    { id: 'b', position: 1 },
  ],
});
const click = (
  id: string,
  user: string,
  query: string,
  item: string,
  ts: number,
): FeedbackEventInput => ({
  type: 'click',
  eventId: id,
  collection: 'shop',
  userId: user,
  queryId: query,
  itemId: item,
  position: 1,
  timestamp: ts,
});

describe('openChorusDb', () => {
  it('creates chorus.db in WAL mode with synchronous=FULL and records migrations', () => {
    expect(db.file).toBe(path.join(dir, 'chorus.db'));
    expect(db.raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.raw.pragma('synchronous', { simple: true })).toBe(2);
    const applied = db.raw
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .all() as { version: number }[];
    expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('reopens without re-running migrations and keeps data', () => {
    db.kv.set('fusion', 'preset', { text: 0.7 });
    db.close();
    db = openChorusDb(dir);
    expect(db.kv.get('fusion', 'preset')).toEqual({ text: 0.7 });
    expect(
      (db.raw.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n,
    ).toBe(MIGRATIONS.length);
  });

  it('refuses a database written by a newer schema version', () => {
    db.raw
      .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)')
      .run('future');
    db.close();
    let err: unknown;
    try {
      db = openChorusDb(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChorusError);
    expect((err as ChorusError).message).toMatch(/version 999/);
    db = openChorusDb(mkdtempSync(path.join(os.tmpdir(), 'chorus-db-')));
  });
});

describe('events', () => {
  it('appends idempotently on eventId and reports duplicates', () => {
    expect(
      db.events.append([impression('e1', 'u1', 'q1', 1000), click('e2', 'u1', 'q1', 'b', 1500)]),
    ).toEqual({
      inserted: 2,
      duplicates: 0,
    });
    expect(
      db.events.append([click('e2', 'u1', 'q1', 'b', 1500), click('e3', 'u2', 'q2', 'a', 2500)]),
    ).toEqual({
      inserted: 1,
      duplicates: 1,
    });
    // The same id inside one batch counts once too.
    expect(
      db.events.append([click('e4', 'u2', 'q2', 'a', 3000), click('e4', 'u2', 'q2', 'a', 3000)]),
    ).toEqual({
      inserted: 1,
      duplicates: 1,
    });
    expect(db.events.count()).toBe(4);
    const seqs = db.events.query().map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(db.events.lastSeq()).toBe(seqs[3]);
    expect(db.events.has('e3')).toBe(true);
  });

  it('validates the whole batch before writing anything', () => {
    const bad = { type: 'click', eventId: 'x2', collection: 'shop' } as FeedbackEventInput; // no itemId
    let err: unknown;
    try {
      db.events.append([click('x1', 'u', 'q', 'a', 1), bad]);
    } catch (e) {
      err = e;
    }
    expect((err as ChorusError).code).toBe('VALIDATION');
    expect((err as ChorusError).message).toMatch(/event #1 \(x2\)/);
    expect(db.events.count()).toBe(0);
  });

  it('fills a missing timestamp with the arrival time and keeps the parsed event', () => {
    db.events.append([{ type: 'like', eventId: 'l1', collection: 'shop', itemId: 'a' }], 42_000);
    const [stored] = db.events.query();
    expect(stored!.event).toEqual({
      type: 'like',
      eventId: 'l1',
      collection: 'shop',
      itemId: 'a',
      timestamp: 42_000,
    });
    expect(stored!.receivedAt).toBe(42_000);
    db.events.append([impression('i1', 'u', 'q', 1)]);
    expect(db.events.query({ types: ['impression'] })[0]!.event).toMatchObject({
      rankerVersion: 'unknown',
    });
  });

  it('queries by collection, user, type, time range, query id, item and seq', () => {
    db.events.append([
      impression('e1', 'u1', 'q1', 1000),
      click('e2', 'u1', 'q1', 'b', 1500),
      impression('e3', 'u2', 'q2', 2000),
      click('e4', 'u2', 'q2', 'a', 2500),
      { ...click('e5', 'u2', 'q3', 'a', 3000), collection: 'other' } as FeedbackEventInput,
    ]);
    const idsOf = (xs: { event: { eventId: string } }[]) => xs.map((x) => x.event.eventId);
    expect(idsOf(db.events.query({ collection: 'shop' }))).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(idsOf(db.events.query({ userId: 'u2' }))).toEqual(['e3', 'e4', 'e5']);
    expect(idsOf(db.events.query({ types: ['click'] }))).toEqual(['e2', 'e4', 'e5']);
    expect(idsOf(db.events.query({ from: 1500, to: 2500 }))).toEqual(['e2', 'e3']);
    expect(idsOf(db.events.query({ queryId: 'q2' }))).toEqual(['e3', 'e4']);
    expect(idsOf(db.events.query({ itemId: 'a', collection: 'shop' }))).toEqual(['e4']);
    expect(idsOf(db.events.query({ afterSeq: 3, limit: 1 }))).toEqual(['e4']);
    expect(
      idsOf([
        ...db.events.iterate({ collection: 'shop', types: ['impression', 'click'], from: 1000 }),
      ]),
    ).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(db.events.count({ collection: 'shop', types: ['click'] })).toBe(2);
  });

  it('deletes every event of a user', () => {
    db.events.append([
      impression('e1', 'u1', 'q1', 1),
      click('e2', 'u1', 'q1', 'a', 2),
      impression('e3', 'u2', 'q2', 3),
    ]);
    expect(db.events.deleteUser('u1')).toBe(2);
    expect(db.events.query().map((e) => e.event.userId)).toEqual(['u2']);
    expect(db.events.deleteUser('u1')).toBe(0);
  });
});

describe('judgments', () => {
  it('sets, replaces, lists and removes graded judgments', () => {
    db.judgments.set([
      { collection: 'shop', query: 'red shoes', itemId: 'a', grade: 3 },
      { collection: 'shop', query: 'red shoes', itemId: 'b', grade: 1 },
      { collection: 'shop', query: 'blue hat', itemId: 'c', grade: 4 },
    ]);
    db.judgments.set([{ collection: 'shop', query: 'red shoes', itemId: 'b', grade: 4 }], 99);
    expect(
      db.judgments.list('shop', 'red shoes').map((j) => [j.itemId, j.grade, j.updatedAt === 99]),
    ).toEqual([
      ['b', 4, true],
      ['a', 3, false],
    ]);
    expect(db.judgments.queries('shop')).toEqual([
      { query: 'blue hat', kind: 'text', label: 'blue hat', judged: 1, grades: [0, 0, 0, 0, 1] },
      { query: 'red shoes', kind: 'text', label: 'red shoes', judged: 2, grades: [0, 0, 0, 1, 1] },
    ]);
    expect(db.judgments.qrels('shop').get('red shoes')?.get('a')).toBe(3);
    expect(db.judgments.remove('shop', 'red shoes', 'a')).toBe(true);
    expect(db.judgments.list('shop')).toHaveLength(2);
    expect(() =>
      db.judgments.set([{ collection: 'shop', query: 'x', itemId: 'a', grade: 5 }]),
    ).toThrow(/0..4/);
  });
});

describe('judged media queries', () => {
  it('stores an image query once per content, keys its judgments by hash and lists it under its file name', () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3]);
    const key = db.judgments.saveMediaQuery('shop', {
      kind: 'image',
      label: 'shoe.jpg',
      mediaType: 'image/jpeg',
      data: bytes,
    });
    expect(key).toMatch(/^image:[0-9a-f]{16}$/);
    // The same bytes under another name are the same query (the label follows the latest name).
    expect(
      db.judgments.saveMediaQuery('shop', {
        kind: 'image',
        label: 'again.jpg',
        mediaType: 'image/jpeg',
        data: bytes,
      }),
    ).toBe(key);
    db.judgments.set([{ collection: 'shop', query: key, itemId: 'a', grade: 2 }]);
    expect(db.judgments.queries('shop')).toEqual([
      { query: key, kind: 'image', label: 'again.jpg', judged: 1, grades: [0, 0, 1, 0, 0] },
    ]);
    const media = db.judgments.queryMedia('shop', key);
    expect(media?.data.equals(bytes)).toBe(true);
    expect(media?.mediaType).toBe('image/jpeg');
    // Another collection does not see it; a text query has no media.
    expect(db.judgments.queryMedia('other', key)).toBeUndefined();
    expect(db.judgments.queryMedia('shop', 'red shoes')).toBeUndefined();
    expect(() =>
      db.judgments.saveMediaQuery('shop', {
        kind: 'audio',
        mediaType: 'audio/wav',
        data: Buffer.alloc(0),
      }),
    ).toThrow(/empty/);
  });
});

describe('models', () => {
  it('registers candidates, promotes one at a time and rolls back through history', () => {
    const v1 = db.models.register({
      collection: 'shop',
      metrics: { ndcg10: 0.41 },
      featureSpec: { f: ['text'] },
      artifactPath: '/m/1.onnx',
    });
    expect(v1).toMatchObject({
      version: 'v1',
      status: 'candidate',
      metrics: { ndcg10: 0.41 },
      featureSpec: { f: ['text'] },
    });
    db.models.register({ collection: 'shop', trainedFrom: 1, trainedTo: 2 });
    db.models.register({ collection: 'shop', version: 'exp-a' });
    expect(() => db.models.register({ collection: 'shop', version: 'exp-a' })).toThrow(
      /already exists/,
    );

    expect(db.models.promote('shop', 'v1')).toEqual({ previous: null });
    expect(db.models.promote('shop', 'v2')).toEqual({ previous: 'v1' });
    expect(db.models.promote('shop', 'exp-a')).toEqual({ previous: 'v2' });
    expect(db.models.promoted('shop')?.version).toBe('exp-a');
    expect(db.models.list('shop').filter((m) => m.status === 'promoted')).toHaveLength(1);

    // rollbackTarget previews exactly what rollback then does.
    expect(db.models.rollbackTarget('shop')).toEqual({ from: 'exp-a', to: 'v2' });
    expect(db.models.rollback('shop')).toEqual({ from: 'exp-a', to: 'v2' });
    expect(db.models.rollback('shop')).toEqual({ from: 'v2', to: 'v1' });
    expect(db.models.promoted('shop')?.version).toBe('v1');
    expect(db.models.rollbackTarget('shop')).toEqual({ from: 'v1', to: null });
    expect(db.models.rollback('shop')).toEqual({ from: 'v1', to: null });
    expect(db.models.promoted('shop')).toBeUndefined();
    expect(db.models.rollbackTarget('shop')).toBeNull();
    expect(() => db.models.rollback('shop')).toThrow(/no promoted model/);

    db.models.updateMetrics('shop', 'v2', { ndcg10: 0.5 });
    expect(db.models.get('shop', 'v2')?.metrics).toEqual({ ndcg10: 0.5 });
    expect(db.models.history('shop').map((h) => h.action)).toEqual([
      'register',
      'register',
      'register',
      'promote',
      'promote',
      'promote',
      'rollback',
      'rollback',
      'rollback',
    ]);
    expect(() => db.models.promote('shop', 'nope')).toThrow(/does not exist/);
  });

  it('skips retired versions when rolling back', () => {
    for (let i = 0; i < 3; i++) db.models.register({ collection: 'c' });
    db.models.promote('c', 'v1');
    db.models.promote('c', 'v2');
    db.models.promote('c', 'v3');
    db.models.retire('c', 'v2');
    expect(db.models.rollback('c')).toEqual({ from: 'v3', to: 'v1' });
  });
});

describe('checkpoints and kv', () => {
  it('saves, loads, lists and removes job checkpoints', () => {
    db.checkpoints.save('index:shop:1', { done: 10 }, 1);
    db.checkpoints.save('index:shop:1', { done: 20 }, 2);
    db.checkpoints.save('train:shop', { epoch: 3 }, 3);
    expect(db.checkpoints.load('index:shop:1')).toEqual({
      jobId: 'index:shop:1',
      state: { done: 20 },
      updatedAt: 2,
    });
    expect(db.checkpoints.list('index:').map((c) => c.jobId)).toEqual(['index:shop:1']);
    expect(db.checkpoints.list().map((c) => c.jobId)).toEqual(['train:shop', 'index:shop:1']);
    expect(db.checkpoints.remove('index:shop:1')).toBe(true);
    expect(db.checkpoints.load('index:shop:1')).toBeUndefined();
  });

  it('stores JSON settings per namespace', () => {
    db.kv.set('fusion', 'b', { w: [1, 2] });
    db.kv.set('fusion', 'a', 'rrf');
    db.kv.set('ui', 'a', true);
    expect(db.kv.list('fusion').map((e) => [e.key, e.value])).toEqual([
      ['a', 'rrf'],
      ['b', { w: [1, 2] }],
    ]);
    expect(db.kv.delete('fusion', 'a')).toBe(true);
    expect(db.kv.get('fusion', 'a')).toBeUndefined();
    expect(db.kv.get('ui', 'a')).toBe(true);
  });

  it('is readable from a second connection while open (WAL)', () => {
    db.kv.set('x', 'y', 1);
    const other = new Database(db.file, { readonly: true });
    expect((other.prepare('SELECT value FROM kv').get() as { value: string }).value).toBe('1');
    other.close();
  });
});
