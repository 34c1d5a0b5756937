import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndcgAt } from '../../rerankers/metrics.js';
import { Rng } from '../../rerankers/random.js';
import { attachModelServing } from '../../src/app/model-serving.js';
import { VectorWorldGen, type Intent } from '../../rerankers/simulation/vector-world.js';
import { createAdminRouter } from '../../src/admin/router.js';
import { startServer, type Json, type TestServer } from '../api/harness.js';
import { adminSession } from '../admin/harness.js';
import { searchAndClick, trainViaApi } from './api-loop.js';

/**
 * The held-out click loop, through the public HTTP API only: a collection with three named vectors and a
 * weighted fusion preset (applied through the admin API: the collection's baseline), default traffic with
 * position-based clicks, POST /v1/models/train, the promotion guard, then intents the model has never seen (fresh
 * query noise), judged by their true grades.
 */
const C = 'mm';
const DIM = 16;
const gen = new VectorWorldGen({ items: 900, topics: 30, dim: DIM, seed: 7 });
const trainIntents = gen.intents(45, 8, 'train');
const newIntents = gen.intents(60, 9, 'new');
const ATTRACT = [0.03, 0.15, 0.35, 0.65, 0.9];
const ADMIN = 'admin-key-for-the-held-out-suite-0001';
const auth = { authorization: `Bearer ${ADMIN}` };
const PRESET = { fusion: 'weighted', weights: { text: 1.5, image: 1, audio: 1 } };
let s: TestServer;
const api = (method: string, url: string, body?: unknown) => s.call(method, url, body, auth);

beforeAll(async () => {
  s = await startServer(
    { adminKey: ADMIN },
    {
      extraRouters: (deps, built) => [
        createAdminRouter({
          engine: built.engine,
          config: deps.config,
          keys: deps.keys,
          db: built.db,
        }),
        ...attachModelServing(deps, built),
      ],
    },
  );
  const vectors = Object.fromEntries(
    ['text', 'image', 'audio'].map((m) => [m, { modality: m, dim: DIM }]),
  );
  expect((await api('POST', '/v1/collections', { name: C, vectors })).status).toBe(201);
  // The collection's preset: its default ranking, and the baseline the learned model starts from.
  const admin = await adminSession(s, ADMIN);
  expect((await s.call('PUT', '/admin/api/presets/mm-weighted', PRESET, admin)).status).toBe(200);
  expect(
    (await s.call('PUT', `/admin/api/collections/${C}/preset`, { name: 'mm-weighted' }, admin))
      .status,
  ).toBe(200);
  for (let i = 0; i < gen.world.items.length; i += 300) {
    expect(
      (
        await api('POST', '/v1/items', {
          collection: C,
          items: gen.world.items.slice(i, i + 300),
        })
      ).status,
    ).toBe(200);
  }
}, 180_000);

afterAll(async () => {
  await s?.close();
});

async function ndcgOf(
  intents: Intent[],
  fusion: string | undefined,
  seed: number,
): Promise<number[]> {
  const rng = new Rng(seed);
  const out: number[] = [];
  for (const intent of intents) {
    const r = await api('POST', '/v1/search', {
      collection: C,
      vectors: gen.queryVectors(intent, rng),
      limit: 10,
      ...(fusion ? { fusion } : {}),
    });
    expect(r.status).toBe(200);
    const labels = r.json.hits.map((h: Json) => intent.grades.get(h.id) ?? 0);
    // nDCG@10 against the ideal over all graded items of the intent (not only those retrieved).
    const ideal = [...intent.grades.values()].sort((a, b) => b - a).slice(0, 10);
    const dcg = (ls: number[]) => ls.reduce((a, l, i) => a + (2 ** l - 1) / Math.log2(i + 2), 0);
    out.push(dcg(labels) / dcg(ideal));
    void ndcgAt;
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('held-out queries through the public API', () => {
  it('trains on default traffic under a weighted preset, guards the promotion, and never serves worse than the preset on unseen intents', async () => {
    const rng = new Rng(11);
    for (let session = 0; session < 900; session++) {
      const intent = trainIntents[rng.int(trainIntents.length)]!;
      const r = await searchAndClick(s, {
        collection: C,
        vectors: gen.queryVectors(intent, rng),
        session,
        rng,
        click: (h, k) => (1 / (k + 1)) * ATTRACT[intent.grades.get(h.id) ?? 0]!,
        headers: auth,
      });
      // No model yet: the preset serves (and logs the rows the model will train on).
      if (session === 0) expect(r.ranker).toEqual({ name: 'model', version: 'weighted' });
    }
    const model = await trainViaApi(s, { collection: C, epochs: 30 }, 1200, auth);
    const version = model.version as string;
    // Validation was by query: the held-out queries are unseen intents' impressions; the baseline is the preset.
    expect(model.metrics.validationQueries).toBeGreaterThan(3);
    expect(model.heldOut.baseline.ranker).toBe('weighted');
    const compared = (await api('GET', `/v1/models/${version}/compare?collection=${C}`)).json;
    const promote = await api('POST', `/v1/models/${version}/promote`, { collection: C });
    expect(promote.status).toBe(compared.better ? 200 : 409);

    const preset = await ndcgOf(newIntents, 'weighted', 12);
    const served = await ndcgOf(newIntents, undefined, 12);
    console.log(
      `held-out intents: served (${compared.better ? version : 'the weighted preset, guard refused'}) nDCG@10 ${mean(served).toFixed(4)} vs preset ${mean(preset).toFixed(4)}; guard: candidate ${compared.candidate.estimate.toFixed(3)} [${compared.candidate.low.toFixed(3)}, ${compared.candidate.high.toFixed(3)}] vs serving ${compared.serving.estimate.toFixed(3)}`,
    );
    if (compared.better) expect(mean(served)).toBeGreaterThan(mean(preset));
    else expect(served).toEqual(preset);
  }, 600_000);
});
