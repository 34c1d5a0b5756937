import { afterAll, describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/domain/candidate.js';
import { buildFeatureRows, defaultFeatureSpec } from '../../rerankers/features/index.js';
import { RANK_SOURCES } from '../../rerankers/features/sources.js';
import { FusionModel } from '../../rerankers/model/fusion-model.js';
import { shapeForSpec } from '../../rerankers/model/spec-shape.js';
import { exportFusionModelToOnnx } from '../../rerankers/onnx-export.js';
import { OnnxReranker } from '../../rerankers/onnx-reranker.js';
import { letorShape } from '../../rerankers/letor/ultr-experiment.js';
import { Rng } from '../../rerankers/random.js';

function randomCandidates(n: number, rng: Rng): Candidate[] {
  return Array.from({ length: n }, (_, i) => {
    const sources: Candidate['sources'] = {};
    for (const s of RANK_SOURCES)
      if (rng.next() < 0.6)
        sources[s] = {
          source: s,
          score: s === 'bm25' ? rng.next() * 12 : rng.next(),
          rank: rng.int(100),
        };
    return {
      id: `item-${i}`,
      payload: { title: `t${i}` },
      sources,
      priors: {
        ctr: rng.next() * 0.2,
        popularity: rng.next() * 5,
        profileSim: { text: rng.next() },
      },
    };
  });
}

function randomModel(
  shape: Parameters<typeof FusionModel.init>[0],
  rng: Rng,
  T = 0.8,
): FusionModel {
  const F = shape.featureNames.length;
  const mean = Float64Array.from({ length: F }, () => rng.normal() * 0.2);
  const invStd = Float64Array.from({ length: F }, () => 0.5 + rng.next() * 2);
  const m = FusionModel.init(shape, rng, mean, invStd, T);
  for (let i = 0; i < m.params.length; i++) {
    const inA = i >= m.o.A && i < m.o.A + m.o.F * m.o.G;
    if (m.params[i] === 0 && (!inA || m.mask[i - m.o.A])) m.params[i] = rng.normal() * 0.3;
  }
  return m;
}

const opened: OnnxReranker[] = [];
afterAll(async () => {
  for (const r of opened) await r.close();
});

describe('ONNX export parity (TypeScript forward vs ONNX Runtime)', () => {
  const spec = defaultFeatureSpec();

  it('matches the multimodal model within 1e-5 on scores, group scores, gate and baseline reweighting', async () => {
    const rng = new Rng(11);
    const model = randomModel({ ...shapeForSpec(spec), hidden: 16 }, rng);
    const reranker = await OnnxReranker.create({
      version: 'parity',
      onnx: exportFusionModelToOnnx(model),
      model,
      executionProviders: ['cuda', 'cpu'],
    });
    opened.push(reranker);
    expect(['cuda', 'cpu']).toContain(reranker.executionProvider);
    for (const kind of ['text', 'image', 'audio'] as const) {
      const cands = randomCandidates(57, rng);
      const fr = buildFeatureRows(cands, { queryKind: kind, queryModalities: [kind] }, spec);
      const ts = model.forward(
        Float32Array.from(fr.rows.flatMap((r) => [...r])),
        fr.rows.length,
        fr.queryFeatures,
      );
      const ox = await reranker.scoreRows(fr.rows, fr.queryFeatures);
      let maxDiff = 0;
      for (let i = 0; i < cands.length; i++)
        // float32 arithmetic: relative to the score once it exceeds 1 (the score family can weigh up to 19x).
        maxDiff = Math.max(
          maxDiff,
          Math.abs(ts.scores[i]! - ox.scores[i]!) / Math.max(1, Math.abs(ts.scores[i]!)),
        );
      expect(maxDiff).toBeLessThan(1e-5);
      for (let i = 0; i < ts.s.length; i++)
        expect(Math.abs(ts.s[i]! - ox.groupScores![i]!)).toBeLessThan(1e-5);
      for (let g = 0; g < ts.gate.length; g++)
        expect(Math.abs(ts.gate[g]! - ox.gate![g]!)).toBeLessThan(1e-6);
      // The gate's reweighting of each source's baseline part (learned, so not 1 everywhere).
      expect(ts.reweight.some((w) => Math.abs(w - 1) > 0.01)).toBe(true);
      for (let g = 0; g < ts.reweight.length; g++)
        expect(Math.abs(ts.reweight[g]! - ox.reweight![g]!)).toBeLessThan(1e-5 * ts.reweight[g]!);
      // The score family's per-source weights beside the baseline (some on, some clipped to 0).
      expect(ts.scoreWeight.some((w) => w > 0.01)).toBe(true);
      for (let g = 0; g < ts.scoreWeight.length; g++)
        expect(Math.abs(ts.scoreWeight[g]! + 1 - ox.scoreWeight![g]!)).toBeLessThan(
          1e-5 * (ts.scoreWeight[g]! + 1),
        );
    }
  });

  it('serves a model trained before the level query features (spec 3) by name, with the features it knows', async () => {
    const rng = new Rng(13);
    const now = shapeForSpec(spec);
    const before = now.queryFeatureNames.filter((n) => !n.startsWith('level:'));
    expect(before.length).toBeLessThan(now.queryFeatureNames.length);
    const model = randomModel({ ...now, queryFeatureNames: before, hidden: 8 }, rng);
    const reranker = await OnnxReranker.create({
      version: 'v3-model',
      onnx: exportFusionModelToOnnx(model),
      model,
      executionProviders: ['cpu'],
    });
    opened.push(reranker);
    const cands = randomCandidates(40, rng);
    const ctx = { queryKind: 'image' as const, queryModalities: ['image', 'text'] };
    const hits = await reranker.rerank(cands, { ...ctx, limit: 10 });
    const fr = buildFeatureRows(cands, ctx, spec);
    expect(fr.queryFeatures.length).toBe(now.queryFeatureNames.length);
    // The old model reads its own features, in its order: the level features are appended, so they are a prefix.
    const ts = model.forward(
      Float32Array.from(fr.rows.flatMap((r) => [...r])),
      fr.rows.length,
      fr.queryFeatures.slice(0, before.length),
    );
    const want = [...ts.scores.keys()].sort((a, b) => ts.scores[b]! - ts.scores[a]!);
    expect(hits.slice(0, 10).map((h) => h.id)).toEqual(want.slice(0, 10).map((i) => cands[i]!.id));
    // What it logs is the running code's query features (spec 4), for training the next model.
    expect(hits[0]!.queryFeatures).toHaveLength(now.queryFeatureNames.length);
  });

  it('reranks candidates with explanations whose shares sum to 1, in the TS model order', async () => {
    const rng = new Rng(12);
    const model = randomModel({ ...shapeForSpec(spec), hidden: 8 }, rng);
    const reranker = await OnnxReranker.create({
      version: 'v-test',
      onnx: exportFusionModelToOnnx(model),
      model,
      executionProviders: ['cpu'],
    });
    opened.push(reranker);
    const cands = randomCandidates(30, rng);
    const hits = await reranker.rerank(cands, { queryKind: 'image', queryModalities: ['image'] });
    const fr = buildFeatureRows(cands, { queryKind: 'image', queryModalities: ['image'] }, spec);
    const tsScores = model.score(fr.rows, fr.queryFeatures);
    const tsOrder = cands
      .map((c, i) => ({ id: c.id, s: tsScores[i]! }))
      .sort((a, b) => b.s - a.s)
      .map((x) => x.id);
    expect(hits.map((h) => h.id)).toEqual(tsOrder);
    const used = ['image', 'image_text', 'text'].filter((src) => cands.some((c) => c.sources[src]));
    for (const h of hits) {
      expect(h.explanation.ranker).toBe('v-test');
      expect(h.explanation.baseline).toBe('rrf');
      // The query used only what its candidates came from: no rows for other sources.
      expect(h.explanation.used!.every((s) => cands.some((c) => c.sources[s]))).toBe(true);
      expect(Object.keys(h.explanation.shares).sort()).toEqual([...h.explanation.used!].sort());
      const sum = Object.values(h.explanation.shares).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
      const gateSum = Object.values(h.explanation.gate!).reduce((a, b) => a + b, 0);
      expect(gateSum).toBeCloseTo(1, 5);
      expect(h.explanation.residualShare).toBeGreaterThanOrEqual(0);
      expect(h.explanation.residualShare).toBeLessThanOrEqual(1);
      expect(h.features).toHaveLength(spec.features.length);
    }
    expect(used.length).toBeGreaterThan(0);
    // With a limit, only the shown hits carry explanations and feature rows; the order is unchanged.
    const limited = await reranker.rerank(cands, {
      queryKind: 'image',
      queryModalities: ['image'],
      limit: 5,
    });
    expect(limited.map((h) => h.id)).toEqual(tsOrder);
    expect(limited.slice(0, 5).every((h) => h.features && h.explanation.used)).toBe(true);
    expect(limited.slice(5).every((h) => !h.features && !h.explanation.used)).toBe(true);
  });

  it('exports LETOR-shaped (no query features) and MLP-free models', async () => {
    const rng = new Rng(13);
    for (const hidden of [0, 12]) {
      const model = randomModel({ ...letorShape(9), hidden }, rng);
      const reranker = await OnnxReranker.create({
        version: `letor-${hidden}`,
        onnx: exportFusionModelToOnnx(model),
        model,
        executionProviders: ['cpu'],
      });
      opened.push(reranker);
      const rows = Array.from({ length: 20 }, () =>
        Float32Array.from({ length: 9 }, () => rng.normal() * 3),
      );
      const ts = model.score(rows);
      const ox = await reranker.scoreRows(rows);
      for (let i = 0; i < rows.length; i++)
        expect(Math.abs(ts[i]! - ox.scores[i]!)).toBeLessThan(1e-5);
    }
  });

  it('survives a JSON round trip with identical scores', () => {
    const rng = new Rng(14);
    const model = randomModel({ ...shapeForSpec(spec), hidden: 4 }, rng);
    const again = FusionModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    const fr = buildFeatureRows(
      randomCandidates(10, rng),
      { queryKind: 'text', queryModalities: ['text'] },
      spec,
    );
    expect([...again.score(fr.rows, fr.queryFeatures)]).toEqual([
      ...model.score(fr.rows, fr.queryFeatures),
    ]);
  });
});
