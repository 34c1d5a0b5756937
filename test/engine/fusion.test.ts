import { describe, expect, it } from 'vitest';
import {
  DbsfReranker,
  NoopReranker,
  RrfReranker,
  ShuffleReranker,
  WeightedReranker,
} from '../../rerankers/fusion/index.js';
import { byScore, explainedHit, sourcesOf, weightOf } from '../../rerankers/fusion/explain.js';
import type { Candidate } from '../../src/domain/candidate.js';

const cand = (id: string, sources: Record<string, [score: number, rank: number]>): Candidate => ({
  id,
  payload: { title: id },
  sources: Object.fromEntries(
    Object.entries(sources).map(([s, [score, rank]]) => [s, { source: s, score, rank }]),
  ),
});

// text list: a, b, c ; image list: c, a ; bm25: b
const candidates = [
  cand('a', { text: [0.9, 0], image: [0.5, 1] }),
  cand('b', { text: [0.8, 1], bm25: [12, 0] }),
  cand('c', { text: [0.1, 2], image: [0.7, 0] }),
];
const ctx = { queryKind: 'text' as const, queryModalities: ['text'] };

describe('baseline fusions', () => {
  it('RRF sums 1/(k+rank) and explains each share', async () => {
    const hits = await new RrfReranker(60).rerank(candidates, ctx);
    expect(hits.map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(hits[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(hits[0]!.explanation.shares.text).toBeCloseTo(1 / 61 / (1 / 61 + 1 / 62), 12);
    expect(hits[0]!.explanation.scores).toEqual({ text: 0.9, image: 0.5 });
    // Weights move the order: image counts 10x.
    const weighted = await new RrfReranker(60).rerank(candidates, {
      ...ctx,
      weights: { image: 10 },
    });
    expect(weighted[0]!.id).toBe('c');
  });

  it('weighted sum normalises each list and honours per-source weights', async () => {
    const hits = await new WeightedReranker().rerank(candidates, ctx);
    // a: text (0.9-0.1)/0.8=1 + image 0 = 1; b: 0.875 + bm25 1 = 1.875; c: 0 + 1 = 1
    expect(hits[0]!.id).toBe('b');
    expect(hits[0]!.score).toBeCloseTo(1.875, 12);
    const textOnly = await new WeightedReranker().rerank(candidates, {
      ...ctx,
      weights: { text: 1, image: 0, bm25: 0 },
    });
    expect(textOnly.map((h) => h.id)).toEqual(['a', 'b', 'c']);
    for (const h of hits)
      expect(Object.values(h.explanation.shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('DBSF scales by mean +- 3 sd, clipped to [0, 1]', async () => {
    const hits = await new DbsfReranker().rerank(candidates, ctx);
    const xs = [0.9, 0.8, 0.1];
    const mean = xs.reduce((a, b) => a + b) / 3;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / 3);
    const a = hits.find((h) => h.id === 'a')!;
    const ys = [0.5, 0.7];
    const m2 = 0.6;
    const sd2 = Math.sqrt(ys.reduce((acc, y) => acc + (y - m2) ** 2, 0) / 2);
    expect(a.score).toBeCloseTo(
      (0.9 - (mean - 3 * sd)) / (6 * sd) + (0.5 - (m2 - 3 * sd2)) / (6 * sd2),
      10,
    );
    // A one-member list (bm25) has no spread: its member sits at the middle, 0.5.
    expect(hits.find((h) => h.id === 'b')!.explanation.shares.bm25).toBeGreaterThan(0);
    expect(hits.map((h) => h.id)).toEqual(['b', 'a', 'c']);
  });

  it('noop keeps the best stage-1 rank; shuffle is a seeded permutation', async () => {
    const noop = await new NoopReranker().rerank(candidates, ctx);
    expect(noop.map((h) => h.id)).toEqual(['a', 'b', 'c']);
    const s1 = await new ShuffleReranker(7).rerank(candidates, ctx);
    const s2 = await new ShuffleReranker(7).rerank(candidates, ctx);
    expect(s1.map((h) => h.id)).toEqual(s2.map((h) => h.id));
    expect([...s1.map((h) => h.id)].sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('baseline fusions explain only what is shown', () => {
  // The ranking as every fusion built it before ctx.limit was honoured: every candidate explained, then sorted.
  const reference = (
    cands: Candidate[],
    contribution: (source: string, p: { score: number; rank: number }) => number,
    ranker: string,
    rankOnly: boolean,
  ) =>
    byScore(
      cands.map((c) => {
        const contributions: Record<string, number> = {};
        for (const [source, p] of Object.entries(c.sources))
          contributions[source] = contribution(source, p);
        return explainedHit(c, contributions, ranker, sourcesOf(cands), { rankOnly });
      }),
    );
  // 300 candidates over four lists (ties in rank and score included), as a search's union looks.
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const many = Array.from({ length: 300 }, (_, i) => {
    const sources: Record<string, [number, number]> = {};
    for (const s of ['text', 'image', 'audio_clip', 'bm25'])
      if (rnd() < 0.5) sources[s] = [Math.round(rnd() * 20) / 20, Math.floor(rnd() * 100)];
    if (Object.keys(sources).length === 0) sources.text = [0.5, 50];
    return cand(`item-${(i * 7919) % 300}`, sources);
  });
  const weights = { image: 2, audio: 0.5 };

  it.each([
    [
      'rrf',
      new RrfReranker(60),
      (s: string, p: { rank: number }) => weightOf(s, weights) / (60 + p.rank + 1),
      true,
    ],
    [
      'weighted',
      new WeightedReranker(),
      (s: string, p: { score: number }) => {
        const xs = many.flatMap((c) => (c.sources[s] ? [c.sources[s].score] : []));
        const [min, max] = [Math.min(...xs), Math.max(...xs)];
        return weightOf(s, weights) * (max > min ? (p.score - min) / (max - min) : 1);
      },
      false,
    ],
  ] as const)(
    '%s: same order and scores as explaining every candidate; the first `limit` explained in full',
    async (name, ranker, contribution, rankOnly) => {
      const full = reference(many, contribution, name, rankOnly);
      const all = await ranker.rerank(many, { ...ctx, weights });
      expect(all).toEqual(full); // no limit: everything explained, as before
      const hits = await ranker.rerank(many, { ...ctx, weights, limit: 10 });
      expect(hits.map((h) => [h.id, h.score])).toEqual(full.map((h) => [h.id, h.score]));
      expect(hits.slice(0, 10)).toEqual(full.slice(0, 10));
      for (const h of hits.slice(10))
        expect(h.explanation).toEqual({ scores: {}, shares: {}, ranker: name });
    },
  );

  it('dbsf: same order and scores with a limit, the shown hits explained in full', async () => {
    const ranker = new DbsfReranker();
    const full = await ranker.rerank(many, { ...ctx, weights });
    const hits = await ranker.rerank(many, { ...ctx, weights, limit: 30 });
    expect(hits.map((h) => [h.id, h.score])).toEqual(full.map((h) => [h.id, h.score]));
    expect(hits.slice(0, 30)).toEqual(full.slice(0, 30));
    expect(full[299]!.explanation.used).toEqual(['audio_clip', 'bm25', 'image', 'text']);
    expect(hits[299]!.explanation).toEqual({ scores: {}, shares: {}, ranker: 'dbsf' });
  });
});
