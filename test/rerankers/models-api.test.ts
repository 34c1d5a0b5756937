import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachModelServing } from '../../src/app/model-serving.js';
import { Rng } from '../../rerankers/random.js';
import { startServer, type Json, type TestServer } from '../api/harness.js';
import { searchAndClick, trainViaApi } from './api-loop.js';

const C = 'shop';
const DIM = 8;
let s: TestServer;

/** Items on two axes: relevant ones (grade 2) point along the query direction in image space only. */
function itemVector(rng: Rng, axis: number, strength: number): number[] {
  const v = Array.from({ length: DIM }, () => rng.normal() * 0.3);
  v[axis]! += strength;
  return v;
}

beforeAll(async () => {
  s = await startServer({}, { extraRouters: (deps, built) => attachModelServing(deps, built) });
  expect(
    (
      await s.call('POST', '/v1/collections', {
        name: C,
        vectors: { text: { modality: 'text', dim: DIM }, image: { modality: 'image', dim: DIM } },
      })
    ).status,
  ).toBe(201);
  const rng = new Rng(5);
  const items = Array.from({ length: 60 }, (_, i) => {
    const relevant = i % 4 === 0;
    return {
      id: `p${i}`,
      payload: { title: `product ${i}`, relevant },
      vectors: {
        text: itemVector(rng, 0, 1 + rng.next()),
        image: itemVector(rng, 1, relevant ? 2 : 0.5),
      },
    };
  });
  expect((await s.call('POST', '/v1/items', { collection: C, items })).status).toBe(200);
});

afterAll(async () => {
  await s?.close();
});

describe('/v1/models: train on logged clicks, promote, serve /v1/search with explanations', () => {
  it('runs the whole loop over HTTP', async () => {
    const none = await s.call('GET', `/v1/models?collection=${C}`);
    expect(none.status).toBe(200);
    expect(none.json.models).toEqual([]);

    // Default traffic (no fusion named) goes to the `model` ranker: before any model, RRF that logs feature rows.
    const rng = new Rng(9);
    const q = {
      text: Array.from({ length: DIM }, (_, i) => (i === 0 ? 1 : 0)),
      image: Array.from({ length: DIM }, (_, i) => (i === 1 ? 1 : 0)),
    };
    const exam = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.3, 0.2, 0.2];
    for (let session = 0; session < 60; session++) {
      // Jittered queries so different items get shown across sessions.
      const jitter = (v: number[]) => v.map((x) => x + rng.normal() * 0.3);
      const r = await searchAndClick(s, {
        collection: C,
        vectors: { text: jitter(q.text), image: jitter(q.image) },
        session,
        rng,
        click: (h, k) => (h.payload.relevant ? exam[k]! : 0),
      });
      expect(r.ranker.name).toBe('model');
    }

    const bad = await s.call('POST', '/v1/models/train', { collection: C, epochs: 0 });
    expect(bad.status).toBe(400);
    // Training is a job: 202 with its id at once, then poll until it has registered the candidate.
    const train = (body: Json) => trainViaApi(s, { collection: C, ...body }, 600);
    const v1 = await train({ epochs: 20, hidden: 4 });
    expect(v1.version).toBe('v1');
    expect(v1.status).toBe('candidate');
    expect(v1.metrics.trainLists).toBeGreaterThan(10);

    // ModelInfo carries the held-out comparison with the baseline; /compare gives the guard's view of it.
    expect(v1.heldOut.baseline.ranker).toBe('rrf');
    expect(v1.heldOut.candidate.low).toBeLessThanOrEqual(v1.heldOut.candidate.estimate);
    const compared = await s.call('GET', `/v1/models/v1/compare?collection=${C}`);
    expect(compared.status).toBe(200);
    expect(compared.json.serving).toMatchObject({ ranker: 'rrf', version: null });
    // The guard reads the candidate's own held-out queries (never used for its selection): it promotes v1 when that
    // evidence shows it beats RRF, else refuses with both estimates (409) and force overrides, recorded either way.
    expect(
      (await s.call('POST', '/v1/search', { collection: C, vectors: q, limit: 3 })).json.hits[0]
        .explanation.baseline,
    ).toBeUndefined();
    expect(compared.json.better).toBe(compared.json.difference.low > 0);
    if (compared.json.better) {
      const ok = await s.call('POST', '/v1/models/v1/promote', { collection: C });
      expect(ok.status).toBe(200);
      expect(ok.json).toMatchObject({ promoted: 'v1', previous: null, forced: false });
    } else {
      const refusedV1 = await s.call('POST', '/v1/models/v1/promote', { collection: C });
      expect(refusedV1.status).toBe(409);
      expect(refusedV1.json.error.code).toBe('PROMOTION_REFUSED');
      expect(refusedV1.json.error.details.candidate).toMatchObject({
        version: 'v1',
        estimate: compared.json.candidate.estimate,
      });
      expect(refusedV1.json.error.details.serving).toMatchObject({ ranker: 'rrf', version: null });
      const promoted = await s.call('POST', '/v1/models/v1/promote', {
        collection: C,
        force: true,
      });
      expect(promoted.status).toBe(200);
      expect(promoted.json).toMatchObject({
        collection: C,
        promoted: 'v1',
        previous: null,
        forced: true,
      });
    }
    expect(s.chorus.db.models.history(C).at(-1)).toMatchObject({
      action: 'promote',
      version: 'v1',
      forced: !compared.json.better,
    });
    const served = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: q,
      fusion: 'model',
      limit: 10,
    });
    expect(served.json.ranker.name).toBe('model');
    const top = served.json.hits[0];
    // Explanations: shares and the gate over the sources this query used (text, image) only, the residual apart.
    expect(top.explanation.used.sort()).toEqual(['image', 'text']);
    expect(Object.keys(top.explanation.shares).sort()).toEqual(['image', 'text']);
    expect(Object.keys(top.explanation.gate).sort()).toEqual(['image', 'text']);
    expect(top.explanation.baseline).toBe('rrf');
    expect(top.explanation.residualShare).toBeGreaterThanOrEqual(0);
    expect(top.explanation.residualShare).toBeLessThanOrEqual(1);
    const shareSum = Object.values(top.explanation.shares as Record<string, number>).reduce(
      (a, b) => a + b,
      0,
    );
    expect(shareSum).toBeCloseTo(1, 4);
    // Clicks only went to image-relevant items: the learned ranking puts at least as many of them on top as RRF.
    const rrf = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: q,
      fusion: 'rrf',
      limit: 10,
    });
    const relevantIn = (hits: Json[]) => hits.filter((h: Json) => h.payload.relevant).length;
    expect(relevantIn(served.json.hits)).toBeGreaterThanOrEqual(relevantIn(rrf.json.hits));
    // The impression of that search recorded the serving version and the served feature rows.
    await s.chorus.engine.flush(); // impressions are group-committed on a writer thread
    const imp = s.chorus.db.events.query({ collection: C, queryId: served.json.queryId })[0]!.event;
    expect(imp.type === 'impression' && imp.rankerVersion).toBe('v1');
    expect(imp.type === 'impression' && Object.keys(imp.features ?? {})).toContain('__query__');
    // A candidate barely trained (one tiny step from the baseline) is not shown better than the serving v1 on its
    // held-out queries: the guard refuses it with both estimates; force overrides and the history records it.
    await train({ epochs: 1, lr: 0.0001, hidden: 0 });
    const refused = await s.call('POST', '/v1/models/v2/promote', { collection: C });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('PROMOTION_REFUSED');
    expect(refused.json.error.details.candidate.version).toBe('v2');
    expect(refused.json.error.details.serving).toMatchObject({ ranker: 'model', version: 'v1' });
    expect(refused.json.error.details.better).toBe(false);
    // A model equal to the serving one does not lead: the refusal says more clicks would not change it.
    expect(refused.json.error.details.outlook).toMatchObject({ kind: 'behind' });
    expect(refused.json.error.message).toContain(
      'more clicks of the same traffic would not change',
    );
    expect(
      (await s.call('POST', '/v1/search', { collection: C, vectors: q, limit: 3 })).json.hits[0]
        .explanation.baseline,
    ).toBe('rrf');
    const forced = await s.call('POST', '/v1/models/v2/promote', { collection: C, force: true });
    expect(forced.json).toMatchObject({ promoted: 'v2', previous: 'v1', forced: true });
    expect(s.chorus.db.models.history(C).at(-1)).toMatchObject({
      action: 'promote',
      version: 'v2',
      forced: true,
    });
    const listed = await s.call('GET', `/v1/models?collection=${C}`);
    expect(listed.json.models.map((m: Json) => [m.version, m.status])).toEqual([
      ['v2', 'promoted'],
      ['v1', 'retired'],
    ]);

    expect((await s.call('POST', '/v1/models/rollback', { collection: C })).json).toEqual({
      collection: C,
      from: 'v2',
      to: 'v1',
    });
    const rolled = await s.call('POST', '/v1/models/rollback', { collection: C });
    expect(rolled.json).toEqual({ collection: C, from: 'v1', to: null });
    const after = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: q,
      fusion: 'model',
      limit: 10,
    });
    expect(after.status).toBe(200);
    expect((await s.call('POST', '/v1/models/v9/promote', { collection: C })).status).toBe(404);
  });
});
