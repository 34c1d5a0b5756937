import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { fitFromLogs } from '../../src/model-registry/fit-from-logs.js';
import { Rng } from '../../rerankers/random.js';
import { writeSimulatedClickLog } from '../../src/bench/click-log-writer.js';
import {
  FeedbackEvent,
  parseFeedbackEvent,
  type FeedbackEventInput,
} from '../../src/domain/feedback.js';
import {
  PACKED_ROWS_FORMAT,
  PACKED_ROWS_HEADER,
  packFeatureRows,
  unpackFeatureRows,
} from '../../src/feedback/packed-rows.js';
import { buildClickthroughs } from '../../src/feedback/training-set.js';
import { QUERY_FEATURES_KEY } from '../../src/domain/clickthrough.js';
import { MIGRATIONS, migrate } from '../../src/storage/migrations.js';
import { openChorusDb, type ChorusDb } from '../../src/storage/index.js';
import { featureRows, impressionEvent } from '../support/impressions.js';

const dirs: string[] = [];
const open: ChorusDb[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDb(): { dir: string; db: ChorusDb } {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-packed-'));
  dirs.push(dir);
  const db = openChorusDb(dir);
  open.push(db);
  return { dir, db };
}

const rng = new Rng(11);
const f32row = (n: number) => Array.from({ length: n }, () => Math.fround((rng.next() - 0.5) * 8));
const impression = (queryId: string, ids: string[], row = f32row): FeedbackEventInput =>
  impressionEvent(queryId, ids, featureRows(ids, row), { timestamp: 1_000 });
const rawRow = (db: ChorusDb, eventId: string) =>
  db.raw.prepare('SELECT body, feature_rows FROM events WHERE event_id = ?').get(eventId) as {
    body: string;
    feature_rows: Buffer | null;
  };

describe('feature rows stored packed (schema 6)', () => {
  it('round-trips float32 rows bit for bit (extremes, subnormals, -0 as 0) and refuses anything it cannot pack exactly', () => {
    const extremes = [
      Math.fround(3.4e38),
      -Math.fround(3.4e38),
      Math.fround(1e-45),
      Math.fround(0.1),
      -0,
      0,
    ];
    const imp = FeedbackEvent.parse({
      ...impression('q', ['a', 'b']),
      features: { a: extremes, b: [1, 2, 3, 4, 5, 6], [QUERY_FEATURES_KEY]: [7, -8] },
    });
    if (imp.type !== 'impression') throw new Error('impression expected');
    const blob = packFeatureRows(imp)!;
    // Format 2: a bitmap of the 14 values (2 bytes), then the 12 that are not zero.
    expect(blob[3]).toBe(PACKED_ROWS_FORMAT);
    expect(blob.length).toBe(PACKED_ROWS_HEADER + 2 + 4 * 12);
    const check = (b: Uint8Array) => {
      const rows = unpackFeatureRows(b, 2);
      if (typeof rows === 'string') throw new Error(rows);
      expect(rows.width).toBe(6);
      expect([...rows.values.subarray(0, 6)]).toEqual([...extremes.slice(0, 4), 0, 0]);
      expect(Object.is(rows.values[4], 0)).toBe(true); // -0 stored as 0, as JSON rows had it
      expect([...rows.values.subarray(6)]).toEqual([1, 2, 3, 4, 5, 6]);
      expect([...rows.query!]).toEqual([7, -8]);
    };
    check(blob);
    // Logs written before format 2 hold every float32: still read the same, into an arena that held other values.
    const v1 = Buffer.alloc(PACKED_ROWS_HEADER + 4 * 14);
    blob.copy(v1, 0, 0, PACKED_ROWS_HEADER);
    v1[3] = 1;
    [...extremes.slice(0, 4), 0, 0, 1, 2, 3, 4, 5, 6, 7, -8].forEach((v, i) =>
      v1.writeFloatLE(v, PACKED_ROWS_HEADER + 4 * i),
    );
    check(v1);
    const dirty = unpackFeatureRows(blob, 2, (n) => new Float32Array(n).fill(9));
    expect(typeof dirty !== 'string' && [...dirty.values.subarray(4, 6)]).toEqual([0, 0]);
    // All zeros: just the header and the bitmap.
    const zeros = packFeatureRows({
      ...imp,
      features: { a: [0, 0, 0], b: [-0, 0, 0] },
    } as typeof imp)!;
    expect(zeros.length).toBe(PACKED_ROWS_HEADER + 1);
    const z = unpackFeatureRows(zeros, 2);
    expect(typeof z !== 'string' && [...z.values]).toEqual([0, 0, 0, 0, 0, 0]);
    // A bitmap that marks values past the rows, or more values than the blob holds, is refused.
    const past = Buffer.from(zeros);
    past[PACKED_ROWS_HEADER] = 0b1000000;
    expect(unpackFeatureRows(past, 2)).toMatch(/past its rows/);
    const short = Buffer.from(zeros);
    short[PACKED_ROWS_HEADER] = 0b1;
    expect(unpackFeatureRows(short, 2)).toMatch(/bytes, expected/);
    const unknown = Buffer.from(blob);
    unknown[3] = 3;
    expect(unpackFeatureRows(unknown, 2)).toMatch(/unknown format/);
    // Not exactly representable, ragged, missing or extra rows: no blob (the rows stay JSON, nothing is rounded).
    const variant = (features: Record<string, number[]>) =>
      packFeatureRows({ ...imp, features } as typeof imp);
    expect(variant({ a: [0.1, 1], b: [1, 2] })).toBeUndefined();
    expect(variant({ a: [1, 2], b: [1] })).toBeUndefined();
    expect(variant({ a: [1, 2] })).toBeUndefined();
    expect(variant({ a: [1, 2], b: [1, 2], z: [1, 2] })).toBeUndefined();
    expect(variant({ a: [], b: [] })).toBeUndefined();
  });

  it('the hand check of rows on the logging path accepts and rejects exactly what the schema does', () => {
    const base = impression('q', ['a', 'b']) as Record<string, unknown>;
    class Rows {
      a = [1];
    }
    const cases: unknown[] = [
      base,
      { ...base, features: { a: [1, 2], b: [3, 4] } },
      { ...base, features: { a: [Number.NaN], b: [1] } },
      { ...base, features: { a: [Number.POSITIVE_INFINITY], b: [1] } },
      { ...base, features: { a: ['1'], b: [1] } },
      { ...base, features: { a: new Array(4097).fill(0), b: [1] } },
      { ...base, features: { a: new Array(4096).fill(0), b: [1] } },
      { ...base, features: { a: [1, , 2] } }, // eslint-disable-line no-sparse-arrays
      { ...base, features: [[1]] },
      { ...base, features: new Rows() },
      { ...base, features: { a: new Float32Array([1]) } },
      { ...base, features: Object.assign(Object.create(null) as object, { a: [1] }) },
      { ...base, features: undefined },
      { ...base, features: { a: [1] }, items: [] },
      { ...base, features: { a: [1] }, extra: 1 },
      { type: 'click', eventId: 'c', collection: 'c', itemId: 'a', features: { a: [1] } },
    ];
    for (const c of cases) {
      const fast = parseFeedbackEvent(c);
      const schema = FeedbackEvent.safeParse(c);
      expect(fast.success).toBe(schema.success);
      if (fast.success) expect(fast.data).toEqual(schema.data);
      else expect(fast.error.issues).toEqual(schema.error!.issues);
    }
  });

  it('server impressions are stored packed without JSON rows, and read back as the same features; client rows stay JSON', () => {
    const { db } = tempDb();
    const server = impression('q1', ['a', 'b', 'c']);
    db.events.append([server], { origin: 'server' });
    const stored = rawRow(db, 'imp_q1');
    expect(stored.feature_rows).not.toBeNull();
    expect(JSON.parse(stored.body)).not.toHaveProperty('features');
    const [back] = db.events.query({ queryId: 'q1' });
    expect(back!.event).toEqual({ ...server, timestamp: 1_000 });
    expect(back!.featureSpec).toBe(FEATURE_ROW_SHAPE.specVersion);
    // A retry of the same server impression is a duplicate (compared on the rebuilt rows), not a conflict.
    expect(db.events.append([server], { origin: 'server' })).toEqual({
      inserted: 0,
      duplicates: 1,
    });
    // iteratePacked hands training the blob instead of rebuilt arrays.
    const [packed] = [...db.events.iteratePacked({ queryId: 'q1' })];
    expect(packed!.featureRows).toBeInstanceOf(Uint8Array);
    expect(packed!.event).not.toHaveProperty('features');

    const client = impression('q2', ['a', 'b']);
    db.events.append([client]);
    expect(rawRow(db, 'imp_q2').feature_rows).toBeNull();
    // Server rows that are not float32 (a caller's own doubles) stay JSON, exactly as given.
    const doubles = impression('q3', ['a'], (n) => Array.from({ length: n }, () => 0.1));
    db.events.append([doubles], { origin: 'server' });
    expect(rawRow(db, 'imp_q3').feature_rows).toBeNull();
    expect(db.events.query({ queryId: 'q3' })[0]!.event).toEqual({ ...doubles, timestamp: 1_000 });
    // Untrainable server rows (out of bounds) are never packed either.
    const hostile = impression('q4', ['a'], (n) => Array.from({ length: n }, () => 1e30));
    db.events.append([hostile], { origin: 'server' });
    expect(rawRow(db, 'imp_q4').feature_rows).toBeNull();
  });

  it('malformed blobs are reported untrainable and never crash the reader or the trainer', async () => {
    const { db } = tempDb();
    await writeSimulatedClickLog(db, { collection: 'c', clicks: 1_200, queries: 30 });
    const before = buildClickthroughs(db.events.iteratePacked({ collection: 'c' }), {
      dropUnclicked: false,
    });
    const ids = (
      db.raw
        .prepare("SELECT event_id FROM events WHERE type = 'impression' ORDER BY seq LIMIT 8")
        .all() as { event_id: string }[]
    ).map((r) => r.event_id);
    const blobOf = (id: string) => rawRow(db, id).feature_rows!;
    const set = db.raw.prepare('UPDATE events SET feature_rows = ? WHERE event_id = ?');
    const good = blobOf(ids[0]!);
    // The at-th stored (non-zero) value, after the bitmap of format 2.
    const count = good.readUInt32LE(4) * good.readUInt32LE(8) + good.readUInt32LE(12);
    const withFloat = (at: number, v: number) => {
      const b = Buffer.from(good);
      b.writeFloatLE(v, PACKED_ROWS_HEADER + Math.ceil(count / 8) + at * 4);
      return b;
    };
    const withU32 = (at: number, v: number) => {
      const b = Buffer.from(good);
      b.writeUInt32LE(v, at);
      return b;
    };
    const hostile = [
      good.subarray(0, good.length - 3), // truncated
      Buffer.from('not a blob at all'), // foreign bytes
      Buffer.alloc(0), // empty
      withFloat(5, Number.NaN),
      withFloat(7, Number.POSITIVE_INFINITY),
      withFloat(0, 1e30), // beyond the ±1e6 bound
      withU32(4, 11), // claims 11 rows for 10 shown items
      withU32(8, 0xffffffff), // absurd width (would be a 16 GB allocation if trusted)
    ];
    hostile.forEach((b, i) => set.run(b, ids[i]!));
    const report = { untrainable: 0 };
    const after = buildClickthroughs(db.events.iteratePacked({ collection: 'c' }), {
      dropUnclicked: false,
      report,
    });
    expect(report.untrainable).toBe(hostile.length);
    expect(after.length).toBe(before.length - hostile.length);
    expect(after.every((c) => !ids.includes(`imp_${c.queryId}`))).toBe(true);
    // Readers of plain events see those impressions without rows instead of failing.
    expect(() => db.events.query({ collection: 'c', limit: 100_000 })).not.toThrow();
    expect(
      db.events
        .query({ queryId: ids[0]!.slice(4) })
        .every((e) => e.event.type !== 'impression' || e.event.features === undefined),
    ).toBe(true);
    const fit = fitFromLogs(db, { collection: 'c', seed: 1, epochs: 3, hidden: 4 });
    expect(fit.metrics.untrainableImpressions).toBe(hostile.length);
    expect(fit.model.params.every((p) => Number.isFinite(p))).toBe(true);
  });

  it('a log written before schema 6 (rows as JSON) still trains after the upgrade, to the same model as a packed log', async () => {
    const packed = tempDb();
    const json = tempDb();
    const opts = { collection: 'c', clicks: 1_500, queries: 45 };
    await writeSimulatedClickLog(packed.db, opts);
    await writeSimulatedClickLog(json.db, { ...opts, packRows: false });
    const impressions = (db: ChorusDb, packedRows: boolean) =>
      (
        db.raw
          .prepare(
            `SELECT COUNT(*) AS n FROM events WHERE type = 'impression' AND feature_rows IS ${packedRows ? 'NOT' : ''} NULL`,
          )
          .get() as { n: number }
      ).n;
    expect(impressions(packed.db, false)).toBe(0);
    expect(impressions(json.db, true)).toBe(0);

    // The JSON log's rows copied into a database at schema 5, written as Chorus did before schema 6.
    const oldDir = mkdtempSync(path.join(tmpdir(), 'chorus-packed-old-'));
    dirs.push(oldDir);
    const old = new Database(path.join(oldDir, 'chorus.db'));
    migrate(
      old,
      MIGRATIONS.filter((m) => m.version <= 5),
    );
    const insert = old.prepare(`INSERT INTO events
      (seq, event_id, collection, type, user_id, query_id, item_id, ts, received_at, body, origin, feature_spec)
      VALUES (@seq, @event_id, @collection, @type, @user_id, @query_id, @item_id, @ts, @received_at, @body, @origin,
        @feature_spec)`);
    old.transaction(() => {
      for (const r of json.db.raw
        .prepare(
          `SELECT seq, event_id, collection, type, user_id, query_id, item_id, ts, received_at, body, origin,
             feature_spec FROM events ORDER BY seq`,
        )
        .iterate())
        insert.run(r);
    })();
    old.close();
    const upgraded = openChorusDb(oldDir);
    open.push(upgraded);
    expect(upgraded.schemaVersion).toBeGreaterThanOrEqual(6);

    const req = { collection: 'c', seed: 3, epochs: 4, hidden: 4 };
    const fromPacked = fitFromLogs(packed.db, req);
    const fromOld = fitFromLogs(upgraded, req);
    const fromJson = fitFromLogs(json.db, req);
    expect(fromPacked.metrics.trainLists).toBeGreaterThan(20);
    expect(fromPacked.metrics.untrainableImpressions).toBe(0);
    expect(fromOld).toEqual(fromPacked);
    expect(fromJson).toEqual(fromPacked);
  });
});
