import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbsfReranker, RrfReranker, WeightedReranker } from '../../rerankers/fusion/index.js';
import type { Reranker, RerankContext } from '../../rerankers/reranker.js';
import type { Candidate } from '../../src/domain/candidate.js';
import { startServer, vec, type Json, type TestServer } from './harness.js';

const DIM = 8;

/** A fusion as it ran before it honoured ctx.limit: every candidate explained. */
function explainingAll(inner: Reranker): Reranker {
  return {
    name: inner.name,
    version: inner.version,
    rerank: (candidates: Candidate[], ctx: RerankContext) =>
      inner.rerank(candidates, { ...ctx, limit: undefined }),
  };
}

/**
 * The baseline fusions explain only the hits a search shows. Over real HTTP, every search answers exactly as a
 * server whose fusions explain every candidate: same hits, scores, explanations, ranks and sources.
 */
describe('searches answer as when every candidate was explained', () => {
  let fresh: TestServer;
  let reference: TestServer;
  beforeAll(async () => {
    fresh = await startServer();
    reference = await startServer(
      {},
      {
        rerankers: {
          rrf: explainingAll(new RrfReranker()),
          weighted: explainingAll(new WeightedReranker()),
          dbsf: explainingAll(new DbsfReranker()),
        },
      },
    );
    for (const s of [fresh, reference]) {
      await s.call('POST', '/v1/collections', {
        name: 'ex',
        vectors: {
          text: { modality: 'text', dim: DIM },
          image: { modality: 'image', dim: DIM },
        },
        payloadIndexes: { title: 'text' },
      });
      const items = Array.from({ length: 40 }, (_, i) => ({
        id: `i${i}`,
        payload: { title: `item ${i} ${i % 3 ? 'red' : 'blue'} fox ${i % 5 ? '' : 'jumps'}` },
        vectors: { text: vec(DIM, i, i), image: vec(DIM, i + 1, i * 3) },
      }));
      expect((await s.call('POST', '/v1/items', { collection: 'ex', items })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await fresh?.close();
    await reference?.close();
  });

  const same = (j: Json) => ({ ...j, queryId: undefined, timings: undefined });

  it.each(['rrf', 'weighted', 'dbsf'])('%s', async (fusion) => {
    const bodies = [
      { text: 'red fox', vectors: { text: vec(DIM, 4, 4), image: vec(DIM, 9, 2) }, limit: 3 },
      { text: 'blue fox jumps', vectors: { image: vec(DIM, 2, 5) }, limit: 5, candidates: 20 },
      { vectors: { text: vec(DIM, 7, 1) }, limit: 4, weights: { image: 3, bm25: 0.5 } },
      { text: 'fox', vectors: { text: vec(DIM, 1, 1) }, limit: 2, diversity: 0.5 },
    ];
    for (const b of bodies) {
      const body = { collection: 'ex', fusion, ...b };
      const [a, r] = [
        await fresh.call('POST', '/v1/search', body),
        await reference.call('POST', '/v1/search', body),
      ];
      expect(a.status).toBe(200);
      expect(same(a.json)).toEqual(same(r.json));
      expect(a.json.hits).toHaveLength(b.limit);
      // Shown hits carry full explanations: shares over the sources used, raw scores, stage-1 ranks.
      for (const h of a.json.hits as Json[]) {
        expect(h.explanation.used.length).toBeGreaterThan(0);
        expect(Object.keys(h.explanation.scores).length).toBeGreaterThan(0);
        expect(Object.keys(h.explanation.ranks)).toEqual(Object.keys(h.explanation.scores));
      }
    }
  });
});
