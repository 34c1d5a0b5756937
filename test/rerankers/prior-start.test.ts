import { afterAll, describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/domain/candidate.js';
import { defaultFeatureSpec, type BaselineFusion } from '../../rerankers/features/index.js';
import { DbsfReranker, RrfReranker, WeightedReranker } from '../../rerankers/fusion/index.js';
import type { Reranker } from '../../rerankers/reranker.js';
import { FusionModel } from '../../rerankers/model/fusion-model.js';
import { shapeForSpec } from '../../rerankers/model/spec-shape.js';
import { selectShrinkage } from '../../rerankers/model/trainer.js';
import { exportFusionModelToOnnx } from '../../rerankers/onnx-export.js';
import { OnnxReranker } from '../../rerankers/onnx-reranker.js';
import { judge } from '../../rerankers/promotion-guard.js';
import { Rng } from '../../rerankers/random.js';

/** A list as stage 1 returns it: each used source ranks its own top-k, so ranks are distinct per source. */
function stageOneList(rng: Rng, n: number, sources: string[]): Candidate[] {
  const cands: Candidate[] = Array.from({ length: n }, (_, i) => ({
    id: `it${i}`,
    payload: {},
    sources: {},
    priors: { ctr: rng.next() * 0.3, popularity: rng.next() * 6 },
  }));
  for (const s of sources) {
    const order = rng.shuffle(cands.map((_, i) => i)).slice(0, Math.ceil(n * 0.7));
    order.forEach(
      (i, rank) =>
        (cands[i]!.sources[s] = { source: s, score: 1 - rank * 0.01 + rng.next() * 0.001, rank }),
    );
  }
  return cands.filter((c) => Object.keys(c.sources).length > 0);
}

const spec = defaultFeatureSpec();
const opened: OnnxReranker[] = [];
afterAll(async () => {
  for (const r of opened) await r.close();
});

async function untrained(seed: number): Promise<OnnxReranker> {
  const shape = { ...shapeForSpec(spec), hidden: 16 };
  const F = shape.featureNames.length;
  const rng = new Rng(seed);
  // Any standardisation: the correction starts at zero whatever the data looked like.
  const mean = Float64Array.from({ length: F }, () => rng.normal());
  const invStd = Float64Array.from({ length: F }, () => 0.5 + rng.next());
  const model = FusionModel.init(shape, rng, mean, invStd);
  const r = await OnnxReranker.create({
    version: 'prior',
    onnx: exportFusionModelToOnnx(model),
    model,
    executionProviders: ['cpu'],
  });
  opened.push(r);
  return r;
}

describe('prior start: a model with no data ranks exactly as its baseline', () => {
  const presets: [string, BaselineFusion, Reranker][] = [
    ['rrf (no preset)', { fusion: 'rrf' }, new RrfReranker()],
    [
      'rrf with k and weights',
      { fusion: 'rrf', rrfK: 20, weights: { text: 2, image: 0.5 } },
      new RrfReranker(),
    ],
    [
      'weighted',
      { fusion: 'weighted', weights: { text: 0.3, image: 1.5, bm25: 2 } },
      new WeightedReranker(),
    ],
    ['dbsf', { fusion: 'dbsf', weights: { audio: 3, text: 0.7 } }, new DbsfReranker()],
  ];
  it.each(presets)(
    'an untrained model served through ONNX gives the %s ranking on every list',
    async (_name, baseline, fusion) => {
      const model = await untrained(1);
      const rng = new Rng(2);
      const kinds = [
        ['text', ['text', 'bm25', 'image', 'image_text', 'audio_text']],
        ['image', ['image', 'image_text', 'text']],
        ['audio', ['audio', 'audio_text', 'text']],
      ] as const;
      for (let trial = 0; trial < 30; trial++) {
        const [kind, sources] = kinds[trial % 3]!;
        const cands = stageOneList(rng, 40 + rng.int(80), [...sources]);
        // What the engine passes: the preset as the baseline, its weights and k as the fusion's knobs.
        const ctx = {
          queryKind: kind,
          queryModalities: [kind],
          baseline,
          weights: baseline.weights,
          rrfK: baseline.rrfK,
        };
        const a = await model.rerank(cands, ctx);
        const b = await fusion.rerank(cands, ctx);
        expect(a.map((h) => h.id)).toEqual(b.map((h) => h.id));
        expect(a[0]!.explanation.baseline).toBe(baseline.fusion);
      }
    },
  );

  it('explains over the sources the query used: the gate has no row for the others, and there is no residual yet', async () => {
    const model = await untrained(3);
    const cands = stageOneList(new Rng(4), 50, ['image', 'image_text', 'text']);
    const [top] = await model.rerank(cands, { queryKind: 'image', queryModalities: ['image'] });
    expect(top!.explanation.used!.sort()).toEqual(['image', 'image_text', 'text']);
    expect(Object.keys(top!.explanation.gate!).sort()).toEqual(['image', 'image_text', 'text']);
    expect(Object.keys(top!.explanation.shares).sort()).toEqual(['image', 'image_text', 'text']);
    expect(top!.explanation.residualShare).toBe(0);
    // Untrained: the shares are the RRF contributions of the lists that returned the item.
    const rrf = Object.fromEntries(
      Object.entries(top!.explanation.shares).filter(
        ([s]) => cands.find((c) => c.id === top!.id)!.sources[s],
      ),
    );
    expect(Object.values(rrf).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('shrinkage keeps the baseline when held-out evidence does not favour the correction', () => {
    const rng = new Rng(5);
    const shape = { ...shapeForSpec(spec), hidden: 8 };
    const F = shape.featureNames.length;
    const model = FusionModel.init(shape, rng, new Float64Array(F), new Float64Array(F).fill(1));
    for (let i = 0; i < model.params.length; i++)
      if (model.params[i] === 0) model.params[i] = rng.normal();
    // A flat validation score: every scale ties, so the smallest (0 = the baseline) wins.
    expect(selectShrinkage(model, () => 1).lambda).toBe(0);
    const rows = Float32Array.from({ length: 20 * F }, () => rng.next());
    const s = model.forward(rows, 20).scores;
    for (let i = 0; i < 20; i++)
      expect(s[i]).toBeCloseTo(model.baselineWeight * rows[i * F + shape.baseline!.feature]!, 5);
  });
});

describe('promotion guard rule', () => {
  const iv = (estimate: number, half: number) => ({
    estimate,
    low: estimate - half,
    high: estimate + half,
  });
  it('refuses a candidate that is worse than, equal to, or indistinguishable from the serving ranker', () => {
    const c = (d: number, half: number) => ({
      metric: 'ips-clicks@10',
      queries: 40,
      impressions: 900,
      candidate: iv(1 + d, 0.1),
      baseline: { ranker: 'rrf', ...iv(1, 0.1) },
      difference: iv(d, half),
    });
    expect(judge('v2', c(-0.1, 0.03), { ranker: 'rrf', version: null }).better).toBe(false);
    expect(judge('v2', c(0, 0), { ranker: 'rrf', version: null }).better).toBe(false);
    expect(judge('v2', c(0.02, 0.05), { ranker: 'rrf', version: null }).better).toBe(false);
    const ok = judge('v2', c(0.1, 0.03), { ranker: 'model', version: 'v1' });
    expect(ok.better).toBe(true);
    expect(ok.candidate.version).toBe('v2');
    expect(ok.serving).toMatchObject({ ranker: 'model', version: 'v1', estimate: 1 });
  });
});
