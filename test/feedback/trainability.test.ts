import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { fitFromLogs } from '../../src/model-registry/fit-from-logs.js';
import { vec, type Json, type TestServer } from '../api/harness.js';
import { adminSession, startAdminServer } from '../admin/harness.js';

const ADMIN = 'admin-key-for-the-trainability-suite-01';
const C = 'tr';
let s: TestServer;
let admin: Record<string, string>;

beforeAll(async () => {
  s = await startAdminServer({ adminKey: ADMIN });
  await s.chorus.engine.createCollection({
    name: C,
    vectors: { text: { modality: 'text', dim: 8 }, image: { modality: 'image', dim: 8 } },
  });
  await s.chorus.engine.upsertItems(
    C,
    Array.from({ length: 20 }, (_, i) => ({
      id: `i${i}`,
      payload: {},
      vectors: { text: vec(8, i, i % 3), image: vec(8, i + 9, i % 5) },
    })),
  );
  admin = await adminSession(s, ADMIN);
});
afterAll(() => s?.close());

const status = async (c = C) => s.call('GET', `/admin/api/trainability/${c}`, undefined, admin);
const bearer = { authorization: `Bearer ${ADMIN}` };

describe('trainability status (GET /admin/api/trainability/:collection)', () => {
  it('a fresh collection is not ready, and says why', async () => {
    const r = await status();
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      collection: C,
      impressionsWithFeatures: 0,
      clickedImpressions: 0,
      ready: false,
      featureSpecVersion: FEATURE_ROW_SHAPE.specVersion,
    });
    expect(r.json.reason).toMatch(/no impressions with feature rows/);
    expect((await status('missing')).status).toBe(404);
  });

  it('traffic under a preset applied from the admin UI still logs rows: the log becomes trainable', async () => {
    expect(
      (
        await s.call(
          'PUT',
          '/admin/api/presets/weighted-text',
          { fusion: 'weighted', weights: { text: 2, image: 1 } },
          admin,
        )
      ).status,
    ).toBe(200);
    expect(
      (await s.call('PUT', `/admin/api/collections/${C}/preset`, { name: 'weighted-text' }, admin))
        .status,
    ).toBe(200);
    for (let n = 0; n < 12; n++) {
      const r = await s.call(
        'POST',
        '/v1/search',
        {
          collection: C,
          vectors: { text: vec(8, n, n % 3), image: vec(8, n + 1, n % 5) },
          limit: 6,
        },
        bearer,
      );
      expect(r.json.ranker.name).toBe('weighted');
      if (n === 0) {
        await s.chorus.engine.flush();
        const partial = await status();
        expect(partial.json).toMatchObject({
          impressionsWithFeatures: 1,
          clickedImpressions: 0,
          ready: false,
        });
        expect(partial.json.reason).toMatch(
          /0 of 1 logged impressions have clicks; training needs at least 10/,
        );
      }
      const hit = r.json.hits[n % 3] as Json;
      await s.call(
        'POST',
        '/v1/feedback',
        { type: 'click', eventId: `c${n}`, collection: C, queryId: r.json.queryId, itemId: hit.id },
        bearer,
      );
    }
    await s.chorus.engine.flush();
    const r = await status();
    expect(r.json).toMatchObject({
      impressionsWithFeatures: 12,
      clickedImpressions: 12,
      ready: true,
    });
    expect(r.json.reason).toBeUndefined();
    // The admin model page carries the same status.
    expect(
      (await s.call('GET', `/admin/api/models/${C}`, undefined, admin)).json.trainability,
    ).toMatchObject({ ready: true, clickedImpressions: 12 });
    // And a fit really runs on that log (before the fix: "need at least 10 with clicks").
    expect(
      fitFromLogs(s.chorus.db, { collection: C, epochs: 1, hidden: 2 }).metrics.trainLists,
    ).toBeGreaterThan(0);
  });

  it('client impressions with invalid rows are not counted', async () => {
    const before = (await status()).json;
    const row = () => Array.from({ length: FEATURE_ROW_SHAPE.item }, () => 1e300);
    const events = Array.from({ length: 5 }, (_, n) => [
      {
        type: 'impression',
        eventId: `bad-${n}`,
        collection: C,
        queryId: `bad-q${n}`,
        items: [
          { id: 'i1', position: 0 },
          { id: 'i2', position: 1 },
        ],
        features: { i1: row(), i2: row() },
      },
      { type: 'click', eventId: `bad-c${n}`, collection: C, queryId: `bad-q${n}`, itemId: 'i1' },
    ]).flat();
    expect((await s.call('POST', '/v1/feedback', { events }, bearer)).status).toBe(200);
    expect((await status()).json).toMatchObject({
      impressionsWithFeatures: before.impressionsWithFeatures,
      clickedImpressions: before.clickedImpressions,
    });
  });
});
