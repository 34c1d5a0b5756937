import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { startServer, vec, type TestServer } from '../api/harness.js';

/** Issue 12, finding 6 (feedback part): unknown collections, unbounded timestamps, eventId reuse with other content. */
const C = 'fb';
let s: TestServer;

beforeAll(async () => {
  s = await startServer();
  await s.chorus.engine.createCollection({
    name: C,
    vectors: { text: { modality: 'text', dim: 8 } },
  });
  await s.chorus.engine.upsertItems(
    C,
    [0, 1, 2].map((i) => ({ id: `i${i}`, payload: {}, vectors: { text: vec(8, i, i) } })),
  );
});
afterAll(() => s?.close());

const click = (eventId: string, extra: Record<string, unknown> = {}) => ({
  type: 'click',
  eventId,
  collection: C,
  queryId: 'q1',
  itemId: 'i1',
  ...extra,
});
const stored = () => s.chorus.db.events.count();

describe('POST /v1/feedback refuses what it cannot store honestly', () => {
  it('unknown or impossible collections are 404 and nothing is written', async () => {
    const before = stored();
    for (const collection of ['../../etc', 'nope', 'quickstart\u0000', '']) {
      const r = await s.call('POST', '/v1/feedback', { ...click(`x-${collection}`), collection });
      expect([404, 400]).toContain(r.status);
      if (collection !== '') expect(r.status).toBe(404);
    }
    // One bad collection in a batch refuses the whole batch.
    const mixed = await s.call('POST', '/v1/feedback', {
      events: [click('ok-1'), { ...click('bad-1'), collection: 'nope' }],
    });
    expect(mixed.status).toBe(404);
    expect(stored()).toBe(before);
  });

  it('timestamps before 2000 or more than a day ahead are 400; small clock skew is fine', async () => {
    const before = stored();
    const now = Date.now();
    for (const timestamp of [2 ** 53, now + 2 * 86_400_000, 1, Date.UTC(1999, 11, 31)]) {
      const r = await s.call('POST', '/v1/feedback', click(`t-${timestamp}`, { timestamp }));
      expect(r.status).toBe(400);
      expect(r.json.error.message).toMatch(/timestamp/);
    }
    expect(stored()).toBe(before);
    expect(
      (await s.call('POST', '/v1/feedback', click('t-skew', { timestamp: now + 3_600_000 })))
        .status,
    ).toBe(200);
    expect(
      (await s.call('POST', '/v1/feedback', click('t-2001', { timestamp: Date.UTC(2001, 0, 1) })))
        .status,
    ).toBe(200);
  });

  it('the same eventId with the same content is a duplicate; with different content, 409 and the first copy stays', async () => {
    const first = click('e-1', { timestamp: Date.now() - 1000 });
    expect((await s.call('POST', '/v1/feedback', first)).json).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    expect((await s.call('POST', '/v1/feedback', first)).json).toEqual({
      accepted: 0,
      duplicates: 1,
    });
    const other = await s.call('POST', '/v1/feedback', { ...first, itemId: 'i2' });
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('CONFLICT');
    expect(other.json.error.message).toMatch(/e-1/);
    // A conflicting event inside a batch refuses the batch: its new events are not written either.
    const batch = await s.call('POST', '/v1/feedback', {
      events: [click('e-2'), { ...first, type: 'like' }],
    });
    expect(batch.status).toBe(409);
    expect(s.chorus.db.events.has('e-2')).toBe(false);
    const [kept] = s.chorus.db.events
      .query({ queryId: 'q1' })
      .filter((e) => e.event.eventId === 'e-1');
    expect(kept!.event).toMatchObject({ type: 'click', itemId: 'i1' });
  });

  it('a retry without a timestamp (stamped on arrival each time) is still a duplicate', async () => {
    const e = click('r-1');
    expect((await s.call('POST', '/v1/feedback', e)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    expect((await s.call('POST', '/v1/feedback', e)).json).toEqual({ accepted: 0, duplicates: 1 });
  });

  it('client impressions are stored as client-origin; their rows are trainable only when they validate', async () => {
    const row = (v: number) => Array.from({ length: FEATURE_ROW_SHAPE.item }, () => v);
    const imp = (queryId: string, features: Record<string, number[]>) => ({
      type: 'impression',
      eventId: `imp-${queryId}`,
      collection: C,
      queryId,
      items: [
        { id: 'i0', position: 0 },
        { id: 'i1', position: 1 },
      ],
      features,
    });
    const cases: [string, Record<string, number[]>, boolean][] = [
      ['good', { i0: row(0.5), i1: row(-0.25) }, true],
      ['huge', { i0: row(1e300), i1: row(-1e300) }, false],
      ['over-bound', { i0: row(2e6), i1: row(0) }, false],
      ['short', { i0: [1, 2], i1: [3, 4] }, false],
      ['missing-row', { i0: row(0.1) }, false],
      ['bad-query-row', { i0: row(0.1), i1: row(0.1), __query__: [1, 2, 3] }, false],
    ];
    for (const [q, features, trainable] of cases) {
      expect((await s.call('POST', '/v1/feedback', imp(q, features))).status).toBe(200);
      const [ev] = s.chorus.db.events.query({ queryId: q });
      expect(ev!.origin).toBe('client');
      expect(ev!.featureSpec).toBe(trainable ? FEATURE_ROW_SHAPE.specVersion : null);
    }
  });
});
