import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPreset, savePreset } from '../../src/storage/fusion-presets.js';
import type { Candidate, RankedHit } from '../../src/domain/candidate.js';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { servedFeatureRows } from '../../src/engine/impression-log.js';
import { checkFeatureRows } from '../../src/domain/feature-rows.js';
import { QUERY_FEATURES_KEY } from '../../src/domain/clickthrough.js';
import {
  buildFeatureRows,
  defaultFeatureSpec,
  featureNames,
} from '../../rerankers/features/index.js';
import { Rng } from '../../rerankers/random.js';
import type { LiveReranker } from '../../rerankers/live-reranker.js';
import { ModelRegistry } from '../../src/model-registry/registry.js';
import { attachModelServing } from '../../src/app/model-serving.js';
import { startServer, vec, type Json, type TestServer } from '../api/harness.js';

const C = 'logs';
let s: TestServer;

beforeAll(async () => {
  s = await startServer({}, { extraRouters: (deps, built) => attachModelServing(deps, built) });
  await s.chorus.engine.createCollection({
    name: C,
    vectors: { text: { modality: 'text', dim: 8 }, image: { modality: 'image', dim: 8 } },
  });
  const items = Array.from({ length: 30 }, (_, i) => ({
    id: `i${i}`,
    payload: { n: i },
    vectors: { text: vec(8, i, i % 3), image: vec(8, i + 50, (i + 1) % 4) },
  }));
  await s.chorus.engine.upsertItems(C, items);
});
afterAll(() => s?.close());

/** The stored impression of a search, with who logged it and the spec its rows validated against. */
async function loggedImpression(queryId: string) {
  await s.chorus.engine.flush();
  const [stored] = s.chorus.db.events.query({ collection: C, queryId, types: ['impression'] });
  return stored!;
}

const query = { text: vec(8, 3, 0), image: vec(8, 4, 1) };

describe('every served impression logs its feature rows, whatever ranked it', () => {
  it.each(['rrf', 'weighted', 'dbsf', 'noop', 'shuffle', 'model'])('%s', async (fusion) => {
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: query,
      fusion,
      limit: 7,
    });
    expect(r.status).toBe(200);
    const stored = await loggedImpression(r.json.queryId);
    const imp = stored.event;
    if (imp.type !== 'impression') throw new Error('not an impression');
    expect(stored.origin).toBe('server');
    expect(stored.featureSpec).toBe(FEATURE_ROW_SHAPE.specVersion);
    expect(imp.featureSpecVersion).toBe(FEATURE_ROW_SHAPE.specVersion);
    // One row per shown hit (and only those) plus the query row, all valid for the running spec.
    expect(Object.keys(imp.features!).sort()).toEqual(
      [...r.json.hits.map((h: Json) => h.id), QUERY_FEATURES_KEY].sort(),
    );
    expect(imp.features![QUERY_FEATURES_KEY]).toHaveLength(FEATURE_ROW_SHAPE.query);
    expect(checkFeatureRows(imp, FEATURE_ROW_SHAPE)).toBeUndefined();
  });

  it('a preset applied to the collection (the admin UI path) keeps logging rows', async () => {
    savePreset(s.chorus.db.kv, 'text-heavy', {
      fusion: 'weighted',
      weights: { text: 3, image: 1 },
    });
    applyPreset(s.chorus.db.kv, C, 'text-heavy');
    try {
      const r = await s.call('POST', '/v1/search', { collection: C, vectors: query, limit: 5 });
      // The learned ranker is wired: it serves the preset (its baseline) until a model is promoted.
      expect(r.json.ranker).toEqual({ name: 'model', version: 'weighted' });
      const stored = await loggedImpression(r.json.queryId);
      expect(stored.featureSpec).toBe(FEATURE_ROW_SHAPE.specVersion);
      if (stored.event.type !== 'impression') throw new Error('not an impression');
      expect(Object.keys(stored.event.features!)).toHaveLength(6);
    } finally {
      applyPreset(s.chorus.db.kv, C, null);
    }
  });

  it('/v1/recommend routes a request naming no fusion as /v1/search does, under any preset', async () => {
    const route = async () => {
      const search = await s.call('POST', '/v1/search', {
        collection: C,
        vectors: query,
        limit: 5,
      });
      const rec = await s.call('POST', '/v1/recommend', { collection: C, itemId: 'i3', limit: 5 });
      expect(rec.status).toBe(200);
      expect(rec.json.ranker).toEqual(search.json.ranker);
      return rec.json.ranker;
    };
    try {
      savePreset(s.chorus.db.kv, 'plain', { fusion: 'noop' });
      applyPreset(s.chorus.db.kv, C, 'plain');
      // A preset that is no baseline fusion serves as it is, for recommendations too (before: the model ranker).
      expect(await route()).toMatchObject({ name: 'noop' });
      savePreset(s.chorus.db.kv, 'text-heavy', {
        fusion: 'weighted',
        weights: { text: 3, image: 1 },
      });
      applyPreset(s.chorus.db.kv, C, 'text-heavy');
      expect(await route()).toEqual({ name: 'model', version: 'weighted' });
      // A fusion named in the request still wins.
      const named = await s.call('POST', '/v1/recommend', {
        collection: C,
        itemId: 'i3',
        fusion: 'rrf',
        limit: 5,
      });
      expect(named.json.ranker.name).toBe('rrf');
    } finally {
      applyPreset(s.chorus.db.kv, C, null);
    }
  });

  it('the same ranking gets the same rows under different rankers (rows do not depend on who ranked)', async () => {
    const a = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: query,
      fusion: 'rrf',
      limit: 5,
    });
    const b = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: query,
      fusion: 'dbsf',
      limit: 30,
    });
    const ia = (await loggedImpression(a.json.queryId)).event;
    const ib = (await loggedImpression(b.json.queryId)).event;
    if (ia.type !== 'impression' || ib.type !== 'impression') throw new Error('not an impression');
    // Item priors (smoothed CTR, popularity) move with every logged impression; every other feature must match.
    const names = featureNames(defaultFeatureSpec());
    const relevance = (row: number[]) =>
      row.filter((_, i) => names[i] !== 'ctr' && names[i] !== 'popularity');
    for (const h of a.json.hits as Json[])
      expect(relevance(ia.features![h.id]!)).toEqual(relevance(ib.features![h.id]!));
  });

  it('recommendations log rows too, and the admin playground (logImpression: false) logs nothing', async () => {
    const r = await s.call('POST', '/v1/recommend', { collection: C, itemId: 'i1', limit: 4 });
    expect(r.status).toBe(200);
    expect((await loggedImpression(r.json.queryId)).featureSpec).toBe(
      FEATURE_ROW_SHAPE.specVersion,
    );
    const quiet = await s.chorus.engine.search({
      collection: C,
      query: { vectors: query },
      fusion: 'rrf',
      limit: 3,
      logImpression: false,
    });
    await s.chorus.engine.flush();
    expect(s.chorus.db.events.query({ queryId: quiet.queryId })).toEqual([]);
  });
});

describe('servedFeatureRows', () => {
  const candidates: Candidate[] = [
    { id: 'a', payload: {}, sources: { text: { source: 'text', score: 0.9, rank: 0 } } },
    {
      id: 'b',
      payload: {},
      sources: {
        text: { source: 'text', score: 0.5, rank: 1 },
        image: { source: 'image', score: 0.7, rank: 0 },
      },
    },
  ];
  const ctx = { queryKind: 'vector' as const, queryModalities: [] };
  const hit = (id: string, features?: number[]): RankedHit => ({
    id,
    score: 1,
    payload: {},
    explanation: { scores: {}, shares: {}, ranker: 'x' },
    features,
    queryFeatures: features ? [1] : undefined,
  });

  it("keeps the learned ranker's own rows (exactly what it scored)", () => {
    const rows = servedFeatureRows({ candidates, ctx, hits: [hit('b', [1, 2]), hit('a', [3, 4])] });
    expect(rows).toEqual({ b: [1, 2], a: [3, 4], [QUERY_FEATURES_KEY]: [1] });
  });

  it("leaves the baselines' personalisation list (`profile`) out of the rows, as the learned ranker never sees it", () => {
    const personalised: Candidate[] = candidates.map((c, i) => ({
      ...c,
      sources: { ...c.sources, profile: { source: 'profile', score: 0.9 - i, rank: i } },
    }));
    const hits = [hit('b'), hit('a')];
    expect(servedFeatureRows({ candidates: personalised, ctx, hits })).toEqual(
      servedFeatureRows({ candidates, ctx, hits }),
    );
    expect(personalised[0]!.sources.profile).toBeDefined(); // the served candidates themselves are untouched
  });

  it('builds rows for the shown hits only, equal to the rows of the whole list (list statistics over all)', () => {
    const rng = new Rng(7);
    const sources = ['text', 'image', 'audio', 'bm25'];
    const many: Candidate[] = Array.from({ length: 300 }, (_, i) => {
      const s: Candidate['sources'] = {};
      for (const name of sources)
        if (rng.next() < 0.6)
          s[name] = { source: name, score: rng.next() * 12, rank: rng.int(100) };
      if (Object.keys(s).length === 0) s.text = { source: 'text', score: 0.1, rank: 99 };
      return {
        id: `c${i}`,
        payload: {},
        sources: s,
        priors: { ctr: rng.next(), popularity: i / 50 },
      };
    });
    const wide = { queryKind: 'text' as const, queryModalities: ['text', 'image'] };
    const reference = buildFeatureRows(many, wide);
    const shownIdx = [217, 3, 150, 42, 299, 0, 88, 120, 7, 64];
    // A hit that is not among the candidates gets no row (as before).
    const hits = [...shownIdx.map((i) => hit(`c${i}`)), hit('stranger')];
    const rows = servedFeatureRows({ candidates: many, ctx: wide, hits });
    expect(Object.keys(rows).sort()).toEqual(
      [...shownIdx.map((i) => `c${i}`), QUERY_FEATURES_KEY].sort(),
    );
    for (const i of shownIdx) expect(rows[`c${i}`]).toEqual(Array.from(reference.rows[i]!));
    expect(rows[QUERY_FEATURES_KEY]).toEqual(Array.from(reference.queryFeatures));
  });

  it('builds rows from the extractor when hits carry none, or an interleaved list mixes row widths', () => {
    for (const hits of [
      [hit('b'), hit('a')],
      [hit('b', [1, 2]), hit('a', [3])],
    ]) {
      const rows = servedFeatureRows({ candidates, ctx, hits });
      expect(rows.a).toHaveLength(FEATURE_ROW_SHAPE.item);
      expect(rows.b).toHaveLength(FEATURE_ROW_SHAPE.item);
      expect(rows[QUERY_FEATURES_KEY]).toHaveLength(FEATURE_ROW_SHAPE.query);
    }
  });
});

describe('interleaved lists (promoted model vs challenger) log rows too', () => {
  let t: TestServer;
  let registry: ModelRegistry;
  beforeAll(async () => {
    t = await startServer({ search: { interleaveShare: 1 } } as Json, {
      extraRouters: (deps, built) => {
        registry = new ModelRegistry({
          db: built.db,
          dataDir: deps.config.dataDir,
          executionProviders: ['cpu'],
        });
        return attachModelServing(deps, built, { registry });
      },
    });
    await t.chorus.engine.createCollection({
      name: C,
      vectors: { text: { modality: 'text', dim: 8 }, image: { modality: 'image', dim: 8 } },
    });
    await t.chorus.engine.upsertItems(
      C,
      Array.from({ length: 30 }, (_, i) => ({
        id: `i${i}`,
        payload: {},
        vectors: { text: vec(8, i, i % 3), image: vec(8, i + 50, (i + 1) % 4) },
      })),
    );
    for (let n = 0; n < 14; n++) {
      const r = await t.call('POST', '/v1/search', {
        collection: C,
        vectors: { text: vec(8, n, n % 3), image: vec(8, n + 7, n % 4) },
        limit: 8,
      });
      await t.call('POST', '/v1/feedback', {
        type: 'click',
        eventId: `c${n}`,
        collection: C,
        queryId: r.json.queryId,
        itemId: r.json.hits[n % 4].id,
      });
    }
    await t.chorus.engine.flush();
  });
  afterAll(() => t?.close());

  it('the impression of an interleaved list carries a row per shown hit', async () => {
    const a = registry.train({ collection: C, epochs: 1, hidden: 2, seed: 1 });
    const b = registry.train({ collection: C, epochs: 2, hidden: 2, seed: 2 });
    await registry.promote(C, a.version, { force: true });
    const live = t.chorus.engine.rerankers.get('model') as LiveReranker;
    await live.sync();
    await live.setChallenger(C, b.version);
    const r = await t.call('POST', '/v1/search', { collection: C, vectors: query, limit: 6 });
    expect(r.status).toBe(200);
    await t.chorus.engine.flush();
    const [stored] = t.chorus.db.events.query({ queryId: r.json.queryId, types: ['impression'] });
    const imp = stored!.event;
    if (imp.type !== 'impression') throw new Error('not an impression');
    expect(imp.rankerVersion).toMatch(/^ti:/);
    expect(stored!.origin).toBe('server');
    expect(stored!.featureSpec).toBe(FEATURE_ROW_SHAPE.specVersion);
    expect(Object.keys(imp.features!).sort()).toEqual(
      [...r.json.hits.map((h: Json) => h.id), QUERY_FEATURES_KEY].sort(),
    );
  });
});
