import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { perImpressionClicks, modelScorer } from '../../rerankers/counterfactual.js';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { readClickthroughs } from '../../src/model-registry/fit-from-logs.js';
import { defaultFeatureSpec } from '../../rerankers/features/index.js';
import { FusionModel } from '../../rerankers/model/fusion-model.js';
import { shapeForSpec } from '../../rerankers/model/spec-shape.js';
import { Rng } from '../../rerankers/random.js';
import { aggregateLists } from '../../rerankers/train-from-logs.js';
import type { FeedbackEventInput } from '../../src/domain/feedback.js';
import { fitPositionBasedModel, type ClickSession } from '../../rerankers/click-models/index.js';
import { LogisticRelevance } from '../../rerankers/click-models/logistic-relevance.js';
import { QUERY_FEATURES_KEY, type Clickthrough } from '../../src/domain/clickthrough.js';
import { openChorusDb, type ChorusDb } from '../../src/storage/index.js';
import { featureRows, impressionEvent } from '../support/impressions.js';

const dirs: string[] = [];
const open: ChorusDb[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDb(): ChorusDb {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-shared-rows-'));
  dirs.push(dir);
  const db = openChorusDb(dir);
  open.push(db);
  return db;
}

const rng = new Rng(5);
const f32row = (n: number) => Array.from({ length: n }, () => Math.fround((rng.next() - 0.5) * 4));

/** Rows of one list (item rows by id, plus the query row), as the server would log them. */
const listRows = (ids: string[]) => featureRows(ids, f32row);
const impression = (
  queryId: string,
  ids: string[],
  features: Record<string, number[]>,
  ts: number,
): FeedbackEventInput => impressionEvent(queryId, ids, features, { timestamp: ts });
const click = (queryId: string, itemId: string, ts: number): FeedbackEventInput => ({
  type: 'click',
  eventId: `c_${queryId}_${itemId}`,
  collection: 'c',
  queryId,
  itemId,
  timestamp: ts,
});
const copyRows = (f: Record<string, number[]>) =>
  Object.fromEntries(Object.entries(f).map(([k, v]) => [k, [...v]]));

describe('identical logged rows are decoded once and shared (training read path)', () => {
  it('shares row objects only between impressions whose packed rows are bit-identical', () => {
    const db = tempDb();
    const ids = ['a', 'b', 'c'];
    const rows = listRows(ids);
    const oneBit = copyRows(rows);
    // The smallest change a float32 can take: the next representable value of one feature.
    const v = oneBit.b![3]!;
    const next = new Float32Array([v]);
    new Uint32Array(next.buffer)[0]! += 1;
    oneBit.b![3] = next[0]!;
    const events = [
      impression('q1', ids, copyRows(rows), 1),
      impression('q2', ids, copyRows(rows), 2),
      impression('q3', ids, oneBit, 3),
      // Same rows under other ids: shared too (the rows are what is shared, the ids stay the impression's).
      impression('q4', ['x', 'y', 'z'], { ...rows, x: rows.a!, y: rows.b!, z: rows.c! }, 4),
      click('q1', 'a', 5),
      click('q2', 'c', 6),
    ];
    db.events.append(events.slice(0, 4), { origin: 'server' });
    db.events.append(events.slice(4));
    const cts = readClickthroughs(db, { collection: 'c' });
    const by = new Map(cts.map((c) => [c.queryId, c]));
    const [q1, q2, q3] = ['q1', 'q2', 'q3'].map((q) => by.get(q)!);
    expect(cts).toHaveLength(4);
    q1!.items.forEach((it, i) => {
      expect(it.features).toBe(q2!.items[i]!.features);
      expect(it.features).not.toBe(q3!.items[i]!.features);
      expect(Array.from(it.features)).toEqual(rows[ids[i]!]);
    });
    expect(q1!.queryFeatures).toBe(q2!.queryFeatures);
    expect(q3!.queryFeatures).not.toBe(q1!.queryFeatures);
    expect(Array.from(q3!.items[1]!.features)).toEqual(oneBit.b);
    expect(by.get('q4')!.items.map((i) => i.id)).toEqual(['x', 'y', 'z']);
    // Each impression keeps its own clicks.
    expect(q1!.items.map((i) => i.clicked)).toEqual([true, false, false]);
    expect(q2!.items.map((i) => i.clicked)).toEqual([false, false, true]);
  });

  it('rows with zeros (left out of format 2) share only when bit-identical, and a format-1 copy decodes the same', () => {
    const db = tempDb();
    const ids = ['a', 'b'];
    const rows = featureRows(ids, (n) =>
      Array.from({ length: n }, (_, j) => (j % 3 === 0 ? Math.fround(j / 7) : 0)),
    );
    // A zero becomes the smallest float32 above it: another bitmap, one more stored value.
    const nearZero = copyRows(rows);
    nearZero.b![1] = Math.fround(1e-45);
    const events = [
      impression('q1', ids, copyRows(rows), 1),
      impression('q2', ids, copyRows(rows), 2),
      impression('q3', ids, nearZero, 3),
      impression('q4', ids, copyRows(rows), 4),
      click('q1', 'a', 5),
    ];
    db.events.append(events.slice(0, 4), { origin: 'server' });
    db.events.append(events.slice(4));
    // q4 as a log from before format 2 holds it: every float32, zeros included.
    const blob = (
      db.raw.prepare("SELECT feature_rows FROM events WHERE event_id = 'imp_q4'").get() as {
        feature_rows: Buffer;
      }
    ).feature_rows;
    expect(blob[3]).toBe(2);
    const values = [...ids.flatMap((id) => rows[id]!), ...rows[QUERY_FEATURES_KEY]!];
    const v1 = Buffer.alloc(16 + 4 * values.length);
    blob.copy(v1, 0, 0, 16);
    v1[3] = 1;
    values.forEach((v, i) => v1.writeFloatLE(v, 16 + 4 * i));
    expect(v1.length).toBeGreaterThan(blob.length);
    db.raw.prepare("UPDATE events SET feature_rows = ? WHERE event_id = 'imp_q4'").run(v1);
    const by = new Map(readClickthroughs(db, { collection: 'c' }).map((c) => [c.queryId, c]));
    const [q1, q2, q3, q4] = ['q1', 'q2', 'q3', 'q4'].map((q) => by.get(q)!);
    q1!.items.forEach((it, i) => {
      expect(it.features).toBe(q2!.items[i]!.features);
      expect(Array.from(it.features)).toEqual(rows[ids[i]!]);
      expect(Array.from(q4!.items[i]!.features)).toEqual(rows[ids[i]!]);
    });
    expect(q4!.items[0]!.features).not.toBe(q1!.items[0]!.features);
    expect(q3!.items[1]!.features).not.toBe(q1!.items[1]!.features);
    expect(Array.from(q3!.items[1]!.features)).toEqual(nearZero.b);
  });

  it('scores a repeated list once and counts every impression’s own clicks: the same values as scoring each', () => {
    const db = tempDb();
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const shapes = [listRows(ids), listRows(ids), listRows(ids)];
    const events: FeedbackEventInput[] = [];
    const r = new Rng(9);
    for (let q = 0; q < 60; q++) {
      events.push(impression(`q${q}`, ids, copyRows(shapes[q % 3]!), q * 10));
      for (const id of ids) if (r.next() < 0.3) events.push(click(`q${q}`, id, q * 10 + 1));
    }
    db.events.append(
      events.filter((e) => e.type === 'impression'),
      { origin: 'server' },
    );
    db.events.append(events.filter((e) => e.type !== 'impression'));
    const cts = readClickthroughs(db, { collection: 'c' });
    expect(cts).toHaveLength(60);
    const shape = shapeForSpec(defaultFeatureSpec());
    expect(shape.featureNames).toHaveLength(FEATURE_ROW_SHAPE.item);
    const model = FusionModel.init(
      { ...shape, hidden: 4 },
      new Rng(2),
      new Float64Array(FEATURE_ROW_SHAPE.item),
      new Float64Array(FEATURE_ROW_SHAPE.item).fill(1),
    );
    const memoised = modelScorer(model);
    expect(memoised.rowsOnly).toBe(true);
    const plain = (ct: Clickthrough) => memoised(ct);
    const props = [1, 0.6, 0.4, 0.3, 0.2];
    const a = perImpressionClicks(memoised, cts, props);
    const b = perImpressionClicks(plain, cts, props);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    // Three distinct lists, whatever the clicks: aggregated into three training lists with summed targets.
    const lists = aggregateLists(cts);
    expect(lists).toHaveLength(3);
    const clicks = cts.reduce((n, c) => n + c.items.filter((i) => i.clicked).length, 0);
    expect(lists.reduce((n, l) => n + l.relevance.reduce((x, y) => x + y, 0), 0)).toBe(clicks);
  });
});

describe('regression-EM over distinct rows', () => {
  it('a logistic fit over distinct rows with counts equals the fit over every observation', () => {
    const r = new Rng(3);
    const distinct = Array.from({ length: 40 }, () => [r.normal(), r.normal(), r.next()]);
    const counts = distinct.map(() => 1 + r.int(6));
    const expanded: number[][] = [];
    const targets: number[] = [];
    const summed = new Float64Array(distinct.length);
    distinct.forEach((row, i) => {
      for (let c = 0; c < counts[i]!; c++) {
        const t = r.next();
        expanded.push(row);
        targets.push(t);
        summed[i]! += t;
      }
    });
    const full = new LogisticRelevance(expanded);
    const grouped = new LogisticRelevance(distinct, 0.05, counts);
    expect(grouped.rows).toBe(40);
    for (let step = 0; step < 5; step++) {
      full.fit(Float64Array.from(targets), 8);
      grouped.fit(summed, 8);
    }
    const pf = new Float64Array(expanded.length);
    const pg = new Float64Array(distinct.length);
    full.predictInto(pf);
    grouped.predictInto(pg);
    let at = 0;
    distinct.forEach((_, i) => {
      for (let c = 0; c < counts[i]!; c++) expect(pf[at++]).toBeCloseTo(pg[i]!, 12);
    });
  });

  it('gives the same propensities whether repeated lists share row objects or carry copies', () => {
    const r = new Rng(4);
    const lists = Array.from({ length: 30 }, () =>
      Array.from({ length: 8 }, () => ({ grade: r.int(4), row: [r.normal(), r.normal()] })),
    );
    const sessions = (share: boolean): ClickSession[] => {
      const c = new Rng(8);
      return Array.from({ length: 900 }, (_, s) => ({
        items: lists[s % 30]!.map((d, position) => ({
          position,
          key: `q${s % 30}:${position}`,
          clicked: c.next() < (1 / (position + 1)) * (0.1 + 0.25 * d.grade),
          features: share ? d.row : [...d.row],
        })),
      }));
    };
    const shared = fitPositionBasedModel(sessions(true), { maxPositions: 8, iterations: 30 });
    const copies = fitPositionBasedModel(sessions(false), { maxPositions: 8, iterations: 30 });
    expect(shared.method).toBe('regression');
    expect(Array.from(shared.relative)).toEqual(Array.from(copies.relative));
    // Examination falls with rank, as simulated.
    expect(shared.relative[7]!).toBeLessThan(shared.relative[1]!);
  });
});
