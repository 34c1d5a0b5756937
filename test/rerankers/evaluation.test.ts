import { describe, expect, it } from 'vitest';
import { offlineMetrics, parseQrels } from '../../rerankers/evaluation.js';
import { teamDraftInterleave } from '../../rerankers/interleaving.js';
import { meanCi95, ndcgAt } from '../../rerankers/metrics.js';
import { Rng } from '../../rerankers/random.js';
import type { RankedHit } from '../../src/domain/candidate.js';

describe('offline metrics', () => {
  it('computes nDCG, MRR, recall, coverage and diversity', () => {
    const judged = new Map([
      ['a', 2],
      ['b', 0],
      ['c', 1],
      ['z', 1],
    ]);
    const vectors = new Map<string, number[]>([
      ['a', [1, 0]],
      ['b', [0, 1]],
      ['c', [1, 0]],
    ]);
    const m = offlineMetrics([{ query: 'q', ranked: ['b', 'a', 'c'], judged, vectors }], 3, 10);
    const ideal = 3 + 1 / Math.log2(3) + 1 / 2; // grades 2, 1, 1 at ranks 1..3
    expect(m.ndcg).toBeCloseTo((3 / Math.log2(3) + 1 / 2) / ideal, 6);
    expect(m.mrr).toBeCloseTo(0.5);
    expect(m.recall).toBeCloseTo(2 / 3);
    expect(m.coverage).toBeCloseTo(0.3);
    expect(m.diversity).toBeCloseTo((1 + 0 + 1) / 3);
  });

  it('reads qrels with a header and query-id mapping', () => {
    const q = parseQrels(
      'query-id\tcorpus-id\tscore\n1\tdoc1\t2\n1\tdoc2\t0\n',
      new Map([['1', 'red shoes']]),
    );
    expect([...q.get('red shoes')!]).toEqual([
      ['doc1', 2],
      ['doc2', 0],
    ]);
  });

  it('nDCG and CI helpers behave on edge cases', () => {
    expect(ndcgAt([3, 2, 1], [1, 0, 0], 10)).toBe(1);
    expect(ndcgAt([1, 2, 3], [0, 0, 0], 10)).toBe(0);
    const ci = meanCi95([1, 2, 3]);
    expect(ci.mean).toBe(2);
    expect(ci.hi - ci.lo).toBeCloseTo((2 * 4.303) / Math.sqrt(3), 3);
  });
});

describe('team-draft interleaving', () => {
  const hit = (id: string): RankedHit => ({
    id,
    score: 0,
    payload: {},
    explanation: { scores: {}, shares: {}, ranker: 'x' },
  });
  it('alternates picks fairly, never repeats an item, and keeps each team order', () => {
    const a = ['1', '2', '3', '4', '5'].map(hit);
    const b = ['3', '1', '6', '2', '7'].map(hit);
    for (let s = 0; s < 20; s++) {
      const { hits, teams } = teamDraftInterleave(a, b, new Rng(s));
      expect(new Set(hits.map((h) => h.id)).size).toBe(hits.length);
      expect(hits).toHaveLength(7);
      // After each full round the teams differ by at most one pick (until a team runs out).
      const firstSix = teams.slice(0, 6);
      expect(
        Math.abs(
          firstSix.filter((t) => t === 'A').length - firstSix.filter((t) => t === 'B').length,
        ),
      ).toBeLessThanOrEqual(1);
      const aPicks = hits
        .filter((_, i) => teams[i] === 'A')
        .map((h) => a.findIndex((x) => x.id === h.id));
      expect(aPicks).toEqual([...aPicks].sort((x, y) => x - y));
    }
  });
});
