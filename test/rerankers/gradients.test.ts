import { describe, expect, it } from 'vitest';
import { accumulateGradients } from '../../rerankers/model/backward.js';
import { FusionModel } from '../../rerankers/model/fusion-model.js';
import { LOSSES, type LossName } from '../../rerankers/model/losses.js';
import { Rng } from '../../rerankers/random.js';

/**
 * A small model: a baseline feature with per-source parts the gate reweights (text and image; audio has none),
 * per-source normalised scores weighed beside it (text and audio; image has none),
 * three modality groups whose gate is masked by query coverage (q1..q3), a gate over 4 query features and a
 * 5-unit residual MLP bounded by tanh.
 */
function setup(seed: number, masked = false) {
  const rng = new Rng(seed);
  const F = 8;
  const shape = {
    featureNames: ['t1', 't2', 'i1', 'i2', 'a1', 'ctr', 'pop', 'baseline'],
    queryFeatureNames: ['q1', 'q2', 'q3', 'kind'],
    groups: [
      { name: 'text', features: [0, 1] },
      { name: 'image', features: [2, 3] },
      { name: 'audio', features: [4] },
    ],
    hidden: 5,
    baseline: { feature: 7, fusion: 'rrf', parts: [5, 6, -1], scoreParts: [1, -1, 4] },
    gateMask: [0, 1, 2],
    residualCap: 0.8,
  };
  const mean = Float64Array.from({ length: F }, () => rng.normal() * 0.1);
  const invStd = Float64Array.from({ length: F }, () => 0.5 + rng.next());
  const model = FusionModel.init(shape, rng, mean, invStd, 0.7);
  // Move biases off zero so every parameter gets a gradient.
  for (let i = 0; i < model.params.length; i++)
    if (model.params[i] === 0 && model.mask[i] !== 0) model.params[i] = rng.normal() * 0.1;
  // The score family's log-weights inside (0, 3), where they carry a gradient.
  for (let g = 0; g < 3; g++) model.params[model.o.bv + g]! += 0.5;
  const n = 7;
  const rows = Float32Array.from({ length: n * F }, (_, i) =>
    i % F >= 5 ? rng.next() : rng.normal(),
  );
  // Coverage of the audio source 0 when masked: the gate runs over text and image only.
  const query = Float32Array.from([
    0.5 + rng.next(),
    0.5 + rng.next(),
    masked ? 0 : 0.3,
    rng.next(),
  ]);
  const relevance = Float32Array.from([2, 0, 1, 0, 0, 1, 0]);
  const weight = Float64Array.from({ length: n }, () => 0.5 + rng.next());
  return { model, rows, query, relevance, weight, n };
}

describe.each<[LossName, boolean]>([
  ['listwise', false],
  ['pairwise', false],
  ['listwise', true],
])('%s loss gradients (audio masked out of the gate: %s)', (loss, masked) => {
  it('match central finite differences', () => {
    const { model, rows, query, relevance, weight, n } = setup(loss === 'listwise' ? 3 : 4, masked);
    if (masked) expect(model.gate(query)[2]).toBe(0);
    const lossFn = LOSSES[loss];
    const dScores = new Float64Array(n);
    const lossAt = () =>
      lossFn(model.forward(rows, n, query).scores, relevance, weight, new Float64Array(n));
    const fw = model.forward(rows, n, query);
    lossFn(fw.scores, relevance, weight, dScores);
    const grad = new Float64Array(model.o.size);
    accumulateGradients(model, fw, dScores, query, grad);

    // Parameters are float32: perturb with a step float32 can represent well and compare with a relative tolerance.
    const h = 1e-3;
    let checked = 0;
    let nonzero = 0;
    for (let i = 0; i < model.params.length; i++) {
      const orig = model.params[i]!;
      // Masked group weights (feature outside the group) must get exactly zero gradient.
      if (i < model.o.A + model.o.F * model.o.G && i >= model.o.A && !model.mask[i - model.o.A]) {
        expect(grad[i]).toBe(0);
        continue;
      }
      model.params[i] = orig + h;
      const up = lossAt();
      model.params[i] = orig - h;
      const down = lossAt();
      model.params[i] = orig;
      const numeric = (up - down) / (2 * h);
      expect(Math.abs(numeric - grad[i]!)).toBeLessThan(1e-3 + 1e-2 * Math.abs(numeric));
      checked++;
      if (Math.abs(grad[i]!) > 1e-6) nonzero++;
    }
    expect(checked).toBeGreaterThan(40);
    expect(nonzero).toBeGreaterThan(checked / 2);
  });
});
