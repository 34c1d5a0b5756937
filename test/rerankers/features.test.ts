import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/domain/candidate.js';
import { baselineScore } from '../../rerankers/features/baseline.js';
import {
  buildFeatureRows,
  buildFeatureRowsFor,
  computeListStats,
  defaultFeatureSpec,
  FeatureConfig,
  FeatureSpec,
  FEATURE_SPEC_VERSION,
  featureNames,
  modalityGroups,
  QUERY_FEATURE_NAMES,
  type BaselineFusion,
} from '../../rerankers/features/index.js';

const cand = (
  id: string,
  sources: Candidate['sources'],
  extra: Partial<Candidate> = {},
): Candidate => ({ id, payload: {}, sources, ...extra });

const candidates: Candidate[] = [
  cand(
    'a',
    {
      text: { source: 'text', score: 0.9, rank: 0 },
      image: { source: 'image', score: 0.2, rank: 2 },
    },
    { hasVectors: ['text', 'image'] },
  ),
  cand(
    'b',
    {
      text: { source: 'text', score: 0.5, rank: 1 },
      bm25: { source: 'bm25', score: 7.5, rank: 0 },
    },
    {
      hasVectors: ['text'],
      priors: { ctr: 0.3, popularity: 2.5, profileSim: { text: 0.7 } },
    },
  ),
  cand('c', { image: { source: 'image', score: 0.4, rank: 0 } }),
];

describe('feature spec', () => {
  it('decodes configs by their literal type and rejects unknown ones', () => {
    expect(FeatureConfig.parse({ type: 'rank', source: 'text' })).toEqual({
      type: 'rank',
      source: 'text',
      transform: 'reciprocal',
    });
    expect(FeatureConfig.safeParse({ type: 'nope' }).success).toBe(false);
    expect(FeatureConfig.safeParse({ type: 'rank', source: 'text', extra: 1 }).success).toBe(false);
  });

  it('default spec is versioned, ordered and groups each source', () => {
    const spec = defaultFeatureSpec();
    expect(spec.version).toBe(FEATURE_SPEC_VERSION);
    const names = featureNames(spec);
    expect(names.slice(0, 6)).toEqual([
      'baseline',
      'baseline_part:text',
      'similarity_raw:text',
      'similarity_norm:text',
      'rank:text',
      'missing:text',
    ]);
    expect(new Set(names).size).toBe(names.length);
    const groups = modalityGroups(spec);
    expect(groups.map((g) => g.name)).toEqual([
      'text',
      'image',
      'image_text',
      'audio',
      'audio_text',
      'cf',
      'bm25',
    ]);
    expect(groups.find((g) => g.name === 'bm25')!.features.map((i) => names[i])).toEqual([
      'bm25',
      'similarity_norm:bm25',
      'rank:bm25',
    ]);
  });
});

describe('buildFeatureRows', () => {
  const spec = defaultFeatureSpec();
  const out = buildFeatureRows(candidates, { queryKind: 'text', queryModalities: ['text'] }, spec);
  const f = (id: string, name: string) =>
    out.rows[candidates.findIndex((c) => c.id === id)]![out.names.indexOf(name)];

  it('computes raw, list-normalised and rank features per source', () => {
    expect(out.rows).toHaveLength(3);
    expect(f('a', 'similarity_raw:text')).toBeCloseTo(0.9);
    expect(f('a', 'similarity_norm:text')).toBeCloseTo(1);
    expect(f('b', 'similarity_norm:text')).toBeCloseTo(0);
    expect(f('c', 'similarity_norm:text')).toBe(0);
    expect(f('c', 'similarity_norm:image')).toBeCloseTo(1);
    expect(f('a', 'similarity_norm:image')).toBeCloseTo(0);
    expect(f('a', 'rank:image')).toBeCloseTo(1 / 3);
    expect(f('c', 'rank:text')).toBe(0);
  });

  it('flags missing modalities from hasVectors, else from absence', () => {
    expect(f('a', 'missing:image')).toBe(0);
    expect(f('b', 'missing:image')).toBe(1);
    expect(f('c', 'missing:text')).toBe(1);
    expect(f('c', 'missing:image')).toBe(0);
  });

  it('reads bm25, priors and profile similarity with defaults', () => {
    expect(f('b', 'bm25')).toBeCloseTo(Math.log1p(7.5));
    expect(f('a', 'bm25')).toBe(0);
    expect(f('b', 'ctr')).toBeCloseTo(0.3);
    expect(f('a', 'ctr')).toBeCloseTo(1 / 20);
    expect(f('b', 'popularity')).toBeCloseTo(2.5);
    expect(f('b', 'profile_sim:text')).toBeCloseTo(0.7);
  });

  it('builds query-level features for the gate', () => {
    const q = Object.fromEntries(QUERY_FEATURE_NAMES.map((n, i) => [n, out.queryFeatures[i]]));
    expect(q['query_has:text']).toBe(1);
    expect(q['query_has:image']).toBe(0);
    expect(q['coverage:text']).toBeCloseTo(2 / 3);
    expect(q['coverage:bm25']).toBeCloseTo(1 / 3);
    expect(q['kind:text']).toBe(1);
    expect(q['kind:image']).toBe(0);
    // Sharpness: how far each list's best stands out; 0 for lists the query did not use.
    expect(q['sharpness:text']).toBeGreaterThan(0);
    expect(q['sharpness:audio']).toBe(0);
  });

  it('scores the RRF baseline relative to the list best, and keeps all rows in one flat buffer', () => {
    const rrf = (ranks: number[]) => ranks.reduce((a, r) => a + 1 / (60 + r + 1), 0);
    const best = Math.max(rrf([0, 2]), rrf([1, 0]), rrf([0]));
    expect(f('a', 'baseline')).toBeCloseTo(rrf([0, 2]) / best, 6);
    expect(f('b', 'baseline')).toBeCloseTo(rrf([1, 0]) / best, 6);
    expect(f('c', 'baseline')).toBeCloseTo(rrf([0]) / best, 6);
    expect(out.data).toHaveLength(3 * out.names.length);
    expect(out.rows[1]!.buffer).toBe(out.data.buffer);
    expect([...out.rows[2]!]).toEqual([...out.data.subarray(2 * out.names.length)]);
  });

  it('is deterministic: the same candidates give the same rows (serving = training)', () => {
    const again = buildFeatureRows(
      candidates,
      { queryKind: 'text', queryModalities: ['text'] },
      spec,
    );
    expect(again.rows.map((r) => [...r])).toEqual(out.rows.map((r) => [...r]));
  });

  it('gives each baseline kind its fusion score, the parts summing to it, and the same rows for a picked few', () => {
    const ctxOf = (baseline: BaselineFusion) => ({
      queryKind: 'text' as const,
      queryModalities: ['text'],
      baseline,
    });
    const baselines: BaselineFusion[] = [
      { fusion: 'rrf', rrfK: 10, weights: { text: 2 } },
      { fusion: 'weighted', weights: { text: 0.7, image: 0.3 } },
      { fusion: 'dbsf' },
    ];
    for (const baseline of baselines) {
      const rows = buildFeatureRows(candidates, ctxOf(baseline), spec);
      const list = computeListStats(candidates, baseline);
      const at = (i: number, name: string) => rows.rows[i]![rows.names.indexOf(name)]!;
      candidates.forEach((c, i) => {
        const score = baselineScore(c.sources, list, baseline);
        expect(rows.baselineScores[i]).toBe(score);
        expect(at(i, 'baseline')).toBe(Math.fround(score / list.baselineMax));
        const parts = rows.names
          .filter((n) => n.startsWith('baseline_part:'))
          .reduce((sum, n) => sum + at(i, n), 0);
        expect(parts).toBeCloseTo(at(i, 'baseline'), 6);
      });
      // The impression log's rows of the shown few are the rows of the whole list.
      const picked = buildFeatureRowsFor(candidates, [2, 0], ctxOf(baseline), spec);
      expect(picked.rows.map((r) => [...r])).toEqual([[...rows.rows[2]!], [...rows.rows[0]!]]);
      expect([...picked.queryFeatures]).toEqual([...rows.queryFeatures]);
    }
  });

  it('refuses a spec of another version', () => {
    const old = FeatureSpec.parse({ version: FEATURE_SPEC_VERSION + 1, features: spec.features });
    expect(() =>
      buildFeatureRows(candidates, { queryKind: 'text', queryModalities: [] }, old),
    ).toThrow(/version/);
  });
});
