import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { fitFromLogs, type FitResult } from '../../src/model-registry/fit-from-logs.js';
import { Rng } from '../../rerankers/random.js';
import { ModelRegistry, type TrainRequest } from '../../src/model-registry/registry.js';
import { attachModelServing } from '../../src/app/model-serving.js';
import { ChorusError } from '../../src/errors.js';
import { startServer, type Json, type TestServer } from '../api/harness.js';

/**
 * Issue 12, finding 3: client-sent impression `features` must not poison a model. Rows come from the server's own
 * impression log; client rows are stored but untrainable unless they validate; the trainer never sees non-finite
 * inputs and the registry never registers a model with a non-finite weight or propensity.
 */
const C = 'poison';
const DIM = 8;
let s: TestServer;
let registry: ModelRegistry;

function itemVector(rng: Rng, axis: number, strength: number): number[] {
  const v = Array.from({ length: DIM }, () => rng.normal() * 0.3);
  v[axis]! += strength;
  return v;
}

const rows = (sign: number) =>
  Array.from({ length: FEATURE_ROW_SHAPE.item }, (_, i) => (i % 2 ? sign : -sign) * 1e300);
const queryRow = () => Array.from({ length: FEATURE_ROW_SHAPE.query }, () => 1e300);
const served: { queryId: string; ids: string[] }[] = [];

beforeAll(async () => {
  s = await startServer(
    {},
    {
      extraRouters: (deps, built) => {
        registry = new ModelRegistry({
          db: built.db,
          dataDir: deps.config.dataDir,
          executionProviders: ['cpu'],
        });
        return attachModelServing(deps, built, { registry });
      },
    },
  );
  await s.chorus.engine.createCollection({
    name: C,
    vectors: { text: { modality: 'text', dim: DIM }, image: { modality: 'image', dim: DIM } },
  });
  const rng = new Rng(5);
  const items = Array.from({ length: 60 }, (_, i) => {
    const relevant = i % 4 === 0;
    return {
      id: `p${i}`,
      payload: { relevant },
      vectors: {
        text: itemVector(rng, 0, 1 + rng.next()),
        image: itemVector(rng, 1, relevant ? 2 : 0.5),
      },
    };
  });
  await s.chorus.engine.upsertItems(C, items);

  // Normal traffic: default searches (the server logs rows), clicks on relevant hits with position bias.
  const exam = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.3, 0.2, 0.2];
  const jitter = (axis: number) =>
    Array.from({ length: DIM }, (_, i) => (i === axis ? 1 : 0) + rng.normal() * 0.3);
  for (let session = 0; session < 60; session++) {
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: { text: jitter(0), image: jitter(1) },
      limit: 10,
    });
    expect(r.status).toBe(200);
    served.push({ queryId: r.json.queryId, ids: r.json.hits.map((h: Json) => h.id) });
    const events = (r.json.hits as Json[]).flatMap((h, k) =>
      h.payload.relevant && rng.next() < exam[k]!
        ? [
            {
              type: 'click',
              eventId: `c${session}-${k}`,
              collection: C,
              queryId: r.json.queryId,
              itemId: h.id,
            },
          ]
        : [],
    );
    if (events.length) expect((await s.call('POST', '/v1/feedback', { events })).status).toBe(200);
  }
  await s.chorus.engine.flush();
});
afterAll(() => s?.close());

const trainReq: TrainRequest = { collection: C, epochs: 6, hidden: 4, seed: 3 };

/** 15 client impressions with ±1e300 rows, each with clicks (the reproduction from issue 12). */
async function poison(prefix: string, queryIds: string[], withClicks = true): Promise<void> {
  const events: Json[] = [];
  queryIds.forEach((queryId, n) => {
    const ids = ['p0', 'p1', 'p2', 'p3', 'p4'];
    const features: Record<string, number[]> = { __query__: queryRow() };
    ids.forEach((id, k) => (features[id] = rows(k % 2 ? 1 : -1)));
    events.push({
      type: 'impression',
      eventId: `${prefix}-imp-${n}`,
      collection: C,
      queryId,
      items: ids.map((id, position) => ({ id, position })),
      features,
      timestamp: Date.now() + 1000,
    });
    if (withClicks)
      events.push({
        type: 'click',
        eventId: `${prefix}-click-${n}`,
        collection: C,
        queryId,
        itemId: ids[n % 5],
      });
  });
  const r = await s.call('POST', '/v1/feedback', { events });
  expect(r.status).toBe(200);
}

describe('model poisoning through client-sent impression features', () => {
  it('15 impressions with ±1e300 rows: stored but untrainable, training unaffected, propensities finite, scores numeric', async () => {
    const clean = fitFromLogs(s.chorus.db, trainReq);
    await poison(
      'fresh',
      Array.from({ length: 15 }, (_, n) => `evil-${n}`),
    );
    for (const e of s.chorus.db.events
      .query({ collection: C, types: ['impression'] })
      .filter((x) => x.event.eventId.startsWith('fresh-'))) {
      expect(e.origin).toBe('client');
      expect(e.featureSpec).toBeNull();
    }
    const after = fitFromLogs(s.chorus.db, trainReq);
    expect(after.metrics.untrainableImpressions).toBe(15);
    // Exactly the same fit as without the poison: the rows never reached it.
    expect(after.model.params).toEqual(clean.model.params);
    expect(after.metrics.propensities).toEqual(clean.metrics.propensities);
    for (const p of after.metrics.propensities as number[]) expect(Number.isFinite(p)).toBe(true);

    const v = registry.train(trainReq);
    await registry.promote(C, v.version, { force: true }); // serving it is the point here, not whether it wins
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: { text: [1, 0, 0, 0, 0, 0, 0, 0], image: [0, 1, 0, 0, 0, 0, 0, 0] },
      fusion: 'model',
      limit: 10,
    });
    expect(r.status).toBe(200);
    expect(r.json.ranker.version).toBe(v.version);
    for (const h of r.json.hits as Json[]) expect(typeof h.score).toBe('number');
  });

  it("client impressions re-using the server's query ids cannot replace the server's rows", async () => {
    await s.chorus.engine.flush(); // the previous case's search impression is committed before the baseline fit
    const before = fitFromLogs(s.chorus.db, trainReq);
    // Later timestamps than the server's own impressions: the latest-wins rule alone would have picked them.
    // (No clicks here: clicks on served queries are legitimate feedback and would change the fit by design.)
    await poison(
      'hijack',
      served.slice(0, 15).map((x) => x.queryId),
      false,
    );
    const after = fitFromLogs(s.chorus.db, trainReq);
    expect(after.model.params).toEqual(before.model.params);
  });

  it('rows at the bound (±1e6) are trainable, yet the fit stays finite and every served score is a number', async () => {
    const ids = ['p0', 'p1', 'p2', 'p3', 'p4'];
    const big = (k: number) =>
      Array.from({ length: FEATURE_ROW_SHAPE.item }, (_, i) => ((i + k) % 2 ? 1e6 : -1e6));
    const features: Record<string, number[]> = {
      __query__: Array.from({ length: FEATURE_ROW_SHAPE.query }, () => 1e6),
    };
    ids.forEach((id, k) => (features[id] = big(k)));
    const events: Json[] = [
      {
        type: 'impression',
        eventId: 'edge-imp',
        collection: C,
        queryId: 'edge-q',
        items: ids.map((id, position) => ({ id, position })),
        features,
      },
      { type: 'click', eventId: 'edge-click', collection: C, queryId: 'edge-q', itemId: 'p4' },
    ];
    expect((await s.call('POST', '/v1/feedback', { events })).status).toBe(200);
    expect(
      s.chorus.db.events.query({ queryId: 'edge-q', types: ['impression'] })[0]!.featureSpec,
    ).toBe(FEATURE_ROW_SHAPE.specVersion);
    const fit = fitFromLogs(s.chorus.db, trainReq);
    for (const p of [...fit.model.params, ...(fit.metrics.propensities as number[])])
      expect(Number.isFinite(p)).toBe(true);
    const v = registry.train(trainReq);
    await registry.promote(C, v.version, { force: true }); // serving it is the point here, not whether it wins
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: { text: [1, 0, 0, 0, 0, 0, 0, 0], image: [0, 1, 0, 0, 0, 0, 0, 0] },
      fusion: 'model',
      limit: 10,
    });
    expect(r.json.ranker.version).toBe(v.version);
    for (const h of r.json.hits as Json[]) expect(Number.isFinite(h.score)).toBe(true);
  });

  it('the registry refuses a fit with a non-finite weight or propensity and stays unchanged', async () => {
    const fit = fitFromLogs(s.chorus.db, trainReq);
    const listed = registry.list(C);
    const register = (f: FitResult) =>
      (registry as unknown as { register(req: TrainRequest, fit: FitResult): unknown }).register(
        { ...trainReq, version: 'bad' },
        f,
      );
    const cases: FitResult[] = [
      {
        ...fit,
        model: { ...fit.model, params: fit.model.params.map((p, i) => (i === 3 ? Number.NaN : p)) },
      },
      {
        ...fit,
        model: { ...fit.model, mean: fit.model.mean.map((p, i) => (i === 0 ? Infinity : p)) },
      },
      { ...fit, metrics: { ...fit.metrics, propensities: [1, null, 0.5] } },
      {
        ...fit,
        model: { ...fit.model, meta: { ...fit.model.meta, propensities: [1, Number.NaN] } },
      },
    ];
    for (const bad of cases) {
      let err: unknown;
      try {
        register(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ChorusError);
      expect((err as ChorusError).code).toBe('CONFLICT');
      expect((err as ChorusError).message).toMatch(/non-finite/);
    }
    expect(registry.list(C)).toEqual(listed);
    expect(existsSync(registry.artifactDir(C, 'bad'))).toBe(false);
  });
});
