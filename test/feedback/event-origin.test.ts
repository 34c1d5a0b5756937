import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import type { FeedbackEventInput } from '../../src/domain/feedback.js';
import { ChorusError } from '../../src/errors.js';
import { openChorusDb, type ChorusDb } from '../../src/storage/index.js';

let dir: string;
let db: ChorusDb;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'chorus-origin-'));
  db = openChorusDb(dir);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (v: number) => Array.from({ length: FEATURE_ROW_SHAPE.item }, () => v);
const imp = (v: number): FeedbackEventInput => ({
  type: 'impression',
  eventId: 'imp_q1',
  collection: 'c',
  queryId: 'q1',
  items: [
    { id: 'a', position: 0 },
    { id: 'b', position: 1 },
  ],
  features: { a: row(v), b: row(v) },
  timestamp: 1_000,
});

describe('event origin and eventId reuse in the log', () => {
  it("a server impression replaces a client event that took its eventId first (a race on the server's own id)", () => {
    db.events.append([imp(1e300)]);
    expect(db.events.query()[0]).toMatchObject({ origin: 'client', featureSpec: null });
    db.events.append([imp(0.5)], { origin: 'server' });
    const [e] = db.events.query();
    expect(e).toMatchObject({ origin: 'server', featureSpec: FEATURE_ROW_SHAPE.specVersion });
    expect(e!.event.type === 'impression' && e!.event.features!.a![0]).toBe(0.5);
    expect(db.events.count()).toBe(1);
  });

  it('a client cannot overwrite a server event: different content under its id is a CONFLICT, the same is a duplicate', () => {
    db.events.append([imp(0.5)], { origin: 'server' });
    expect(db.events.append([imp(0.5)])).toEqual({ inserted: 0, duplicates: 1 });
    let err: unknown;
    try {
      db.events.append([imp(2)]);
    } catch (e) {
      err = e;
    }
    expect((err as ChorusError).code).toBe('CONFLICT');
    expect(db.events.query()[0]).toMatchObject({
      origin: 'server',
      featureSpec: FEATURE_ROW_SHAPE.specVersion,
    });
  });

  it('trainability counts distinct queries with trainable rows and those with interactions', () => {
    db.events.append([
      imp(0.5),
      { type: 'like', eventId: 'l1', collection: 'c', queryId: 'q1', itemId: 'a' },
    ]);
    db.events.append([
      { ...imp(1e300), eventId: 'imp_q2', queryId: 'q2' } as FeedbackEventInput,
      { type: 'click', eventId: 'c2', collection: 'c', queryId: 'q2', itemId: 'a' },
    ]);
    expect(db.events.trainability('c', FEATURE_ROW_SHAPE.specVersion)).toEqual({
      impressionsWithFeatures: 1,
      clickedImpressions: 1,
    });
    expect(db.events.trainability('c', FEATURE_ROW_SHAPE.specVersion + 1)).toEqual({
      impressionsWithFeatures: 0,
      clickedImpressions: 0,
    });
  });
});
