import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndcgAt } from '../../rerankers/metrics.js';
import { Rng } from '../../rerankers/random.js';
import { attachModelServing } from '../../rerankers/serving.js';
import { VectorWorldGen, type Intent } from '../../rerankers/simulation/vector-world.js';
import { startServer, type Json, type TestServer } from '../api/harness.js';

/**
 * The held-out click loop, through the public HTTP API only: a collection with three named vectors,
 * default traffic with position-based clicks, POST /v1/models/train, the promotion guard, then intents the
 * model has never seen (fresh query noise), judged by their true grades.
 */
const C = 'mm';
const DIM = 16;
const gen = new VectorWorldGen({ items: 900, topics: 30, dim: DIM, seed: 7 });
const trainIntents = gen.intents(45, 8, 'train');
const newIntents = gen.intents(60, 9, 'new');
const ATTRACT = [0.03, 0.15, 0.35, 0.65, 0.9];
let s: TestServer;

beforeAll(async () => {
  s = await startServer({}, { extraRouters: (deps, built) => attachModelServing(deps, built) });
  const vectors = Object.fromEntries(
    ['text', 'image', 'audio'].map((m) => [m, { modality: m, dim: DIM }]),
  );
  expect((await s.call('POST', '/v1/collections', { name: C, vectors })).status).toBe(201);
  for (let i = 0; i < gen.world.items.length; i += 300) {
    expect(
      (
        await s.call('POST', '/v1/items', {
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
    const r = await s.call('POST', '/v1/search', {
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
  it('trains on default traffic, guards the promotion, and never serves worse than RRF on unseen intents', async () => {
    const rng = new Rng(11);
    for (let session = 0; session < 900; session++) {
      const intent = trainIntents[rng.int(trainIntents.length)]!;
      const r = await s.call('POST', '/v1/search', {
        collection: C,
        vectors: gen.queryVectors(intent, rng),
        limit: 10,
      });
      const events: Json[] = [];
      r.json.hits.forEach((h: Json, k: number) => {
        const g = intent.grades.get(h.id) ?? 0;
        if (rng.next() < (1 / (k + 1)) * ATTRACT[g]!)
          events.push({
            type: 'click',
            eventId: `c${session}-${k}`,
            collection: C,
            queryId: r.json.queryId,
            itemId: h.id,
          });
      });
      if (events.length)
        expect((await s.call('POST', '/v1/feedback', { events })).status).toBe(200);
    }
    const started = await s.call('POST', '/v1/models/train', { collection: C, epochs: 30 });
    expect(started.status).toBe(202);
    let job: Json;
    for (let i = 0; i < 1200; i++) {
      job = (await s.call('GET', `/v1/models/train/${started.json.jobId}`)).json;
      if (job.state !== 'queued' && job.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job!.state).toBe('succeeded');
    const version = job!.result.version as string;
    // Validation was by query: the held-out queries are unseen intents' impressions.
    expect(job!.result.metrics.validationQueries).toBeGreaterThan(3);
    const compared = (await s.call('GET', `/v1/models/${version}/compare?collection=${C}`)).json;
    const promote = await s.call('POST', `/v1/models/${version}/promote`, { collection: C });
    expect(promote.status).toBe(compared.better ? 200 : 409);

    const rrf = await ndcgOf(newIntents, 'rrf', 12);
    const served = await ndcgOf(newIntents, undefined, 12);
    console.log(
      `held-out intents: served (${compared.better ? version : 'rrf, guard refused'}) nDCG@10 ${mean(served).toFixed(4)} vs rrf ${mean(rrf).toFixed(4)}; guard: candidate ${compared.candidate.estimate.toFixed(3)} [${compared.candidate.low.toFixed(3)}, ${compared.candidate.high.toFixed(3)}] vs serving ${compared.serving.estimate.toFixed(3)}`,
    );
    if (compared.better) expect(mean(served)).toBeGreaterThan(mean(rrf));
    else expect(served).toEqual(rrf);
  }, 600_000);
});
