import { GraphBuilder, attr } from '../src/onnx/index.js';
import { REWEIGHT_BOUNDS, SCORE_WEIGHT_BOUNDS, type FusionModel } from './model/fusion-model.js';

/** Names of the exported graph's inputs and outputs (the ONNX reranker reads them). */
export const ONNX_IO = {
  features: 'features',
  query: 'query',
  scores: 'scores',
  groupScores: 'group_scores',
  gate: 'gate',
  residual: 'residual',
  reweight: 'reweight',
  scoreWeight: 'score_weight',
} as const;

/**
 * Writes the fusion model as an ONNX graph with the project's writer (src/onnx):
 *   x'       = (features - mean) * invStd                          [N, F]
 *   u        = Clip(query Wu + bu, lo, hi)                          [1, G]   the gate's log-reweighting
 *   v        = Clip(query Wv + bv, 0, 3)                            [1, G]   the score family's log-weight
 *   base     = wb * (features[:, b] + ReduceSum(features[:, parts] * (Exp(u) - 1), axis 1)
 *                   + ReduceSum(features[:, scoreParts] * (Exp(v) - 1), axis 1))  [N]
 *   S        = x' A + c                                             [N, G]   per-modality group scores
 *   gate     = Softmax(Where(coverage > 0, (query Wq + bq) / T, -1e9))  [1, G]  over the sources the query used
 *   residual = cap * Tanh(Relu(x' W1 + b1) w2 + b2)                 [N]
 *   scores   = base + ReduceSum(S * gate, axis 1) + residual        [N]
 * Same arithmetic as FusionModel.forward; the parity test holds them within 1e-5.
 */
export function exportFusionModelToOnnx(
  model: FusionModel,
  meta: Record<string, string> = {},
): Uint8Array {
  const { F, Q, G, H, A, c, Wq, bq, W1, b1, w2, b2, Wu, bu, Wv, bv } = model.o;
  const p = model.params;
  const shape = model.shape;
  const g = new GraphBuilder({
    name: 'chorus_fusion',
    docString: 'Chorus fusion reranker: baseline + gated modality correction + bounded residual',
  });
  const x = g.input(ONNX_IO.features, 'float32', ['batch', F]);
  const xs = g.op('Mul', [
    g.op('Sub', [x, g.init('mean', Float32Array.from(model.mean), [F])]),
    g.init('inv_std', Float32Array.from(model.invStd), [F]),
  ]);

  let total: string | undefined;
  const q = Q > 0 && G > 0 ? g.input(ONNX_IO.query, 'float32', [1, Q]) : undefined;
  if (shape.baseline) {
    const pick = new Float32Array(F);
    pick[shape.baseline.feature] = 1;
    let base = g.op('MatMul', [x, g.init('baseline_pick', pick, [F])]);
    // Each family's per-source features times (e^clip(q W + b) - 1): 0 at start, so an untrained model is the baseline.
    const family = (
      picks: number[] | undefined,
      name: string,
      W: number,
      b: number,
      [lo, hi]: readonly [number, number],
      output: string,
    ) => {
      if (!picks || !q || G === 0) return;
      const pick = new Float32Array(F * G);
      picks.forEach((f, gi) => {
        if (f >= 0) pick[f * G + gi] = 1;
      });
      const u = g.op('Clip', [
        g.op('Add', [
          g.op('MatMul', [q, g.init(`W${name}`, p.slice(W, W + Q * G), [Q, G])]),
          g.init(`b${name}`, p.slice(b, b + G), [G]),
        ]),
        g.constant([lo], []),
        g.constant([hi], []),
      ]);
      const m = g.op('Sub', [g.op('Exp', [u], {}, { output }), g.constant([1], [1])]);
      g.output(output, 'float32', [1, G]);
      base = g.op('Add', [
        base,
        g.op(
          'ReduceSum',
          [
            g.op('Mul', [g.op('MatMul', [x, g.init(`${name}_pick`, pick, [F, G])]), m]),
            g.constant(BigInt64Array.from([1n]), [1], 'int64'),
          ],
          { keepdims: attr.int(0) },
        ),
      ]);
    };
    family(shape.baseline.parts, 'u', Wu, bu, REWEIGHT_BOUNDS, ONNX_IO.reweight);
    family(shape.baseline.scoreParts, 'v', Wv, bv, SCORE_WEIGHT_BOUNDS, ONNX_IO.scoreWeight);
    total = g.op('Mul', [base, g.constant([model.baselineWeight], [1])]);
  }
  if (G > 0) {
    const S = g.op(
      'Add',
      [
        g.op('MatMul', [xs, g.init('A', p.slice(A, A + F * G), [F, G])]),
        g.init('c', p.slice(c, c + G), [G]),
      ],
      {},
      { output: ONNX_IO.groupScores },
    );
    let logits: string;
    const invT = g.constant([1 / model.gateTemperature], [1]);
    if (q) {
      logits = g.op('Mul', [
        g.op('Add', [
          g.op('MatMul', [q, g.init('Wq', p.slice(Wq, Wq + Q * G), [Q, G])]),
          g.init('bq', p.slice(bq, bq + G), [G]),
        ]),
        invT,
      ]);
      if (shape.gateMask) {
        const coverage = g.op(
          'Gather',
          [q, g.constant(BigInt64Array.from(shape.gateMask.map(BigInt)), [G], 'int64')],
          { axis: attr.int(1) },
        );
        const used = g.op('Greater', [coverage, g.constant([0], [1])]);
        logits = g.op('Where', [used, logits, g.constant([-1e9], [1])]);
      }
    } else {
      logits = g.op('Mul', [g.init('bq', p.slice(bq, bq + G).slice(), [1, G]), invT]);
    }
    const gate = g.op('Softmax', [logits], { axis: attr.int(-1) }, { output: ONNX_IO.gate });
    const gated = g.op(
      'ReduceSum',
      [g.op('Mul', [S, gate]), g.constant(BigInt64Array.from([1n]), [1], 'int64')],
      { keepdims: attr.int(0) },
    );
    total = total ? g.op('Add', [total, gated]) : gated;
    g.output(S, 'float32', ['batch', G]);
    g.output(gate, 'float32', [1, G]);
  }
  if (H > 0) {
    const h = g.op('Relu', [
      g.op('Add', [
        g.op('MatMul', [xs, g.init('W1', p.slice(W1, W1 + F * H), [F, H])]),
        g.init('b1', p.slice(b1, b1 + H), [H]),
      ]),
    ]);
    const m = g.op('Add', [
      g.op('MatMul', [h, g.init('w2', p.slice(w2, w2 + H), [H])]),
      g.init('b2', p.slice(b2, b2 + 1), [1]),
    ]);
    const cap = shape.residualCap;
    const r =
      cap !== undefined
        ? g.op('Mul', [g.op('Tanh', [m]), g.constant([cap], [1])], {}, { output: ONNX_IO.residual })
        : g.op('Identity', [m], {}, { output: ONNX_IO.residual });
    g.output(r, 'float32', ['batch']);
    total = total ? g.op('Add', [total, r]) : r;
  }
  if (!total) throw new Error('a fusion model needs a baseline, modality groups or a hidden layer');
  g.output(total, 'float32', ['batch'], ONNX_IO.scores);
  g.metadata('chorus.featureNames', JSON.stringify(shape.featureNames));
  g.metadata('chorus.groups', JSON.stringify(shape.groups.map((x) => x.name)));
  if (shape.baseline) g.metadata('chorus.baseline', shape.baseline.fusion);
  for (const [k, v] of Object.entries(meta)) g.metadata(k, v);
  return g.toBytes();
}
