/**
 * Reranking latency through ONNX Runtime: 1,000 candidates (default) scored by the fusion model.
 * Prints p50/p95 of (a) the ONNX session alone on prebuilt feature rows, (b) the whole rerank as served now (one
 * flat feature buffer, one ONNX call, explanations and logged rows for the shown `limit` only) beside (c) the
 * old path (explanations and row copies for every candidate), and (d) the TypeScript forward pass, same run.
 *   npx tsx bench/rerank-speed.ts [--candidates 1000] [--iterations 300] [--providers cpu]   (cuda,cpu on a GPU box)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Candidate } from '../src/domain/candidate.js';
import { buildFeatureRows, defaultFeatureSpec } from '../rerankers/features/index.js';
import { RANK_SOURCES } from '../rerankers/features/sources.js';
import { FusionModel } from '../rerankers/model/fusion-model.js';
import { shapeForSpec } from '../rerankers/model/spec-shape.js';
import { exportFusionModelToOnnx } from '../rerankers/onnx-export.js';
import { OnnxReranker } from '../rerankers/onnx-reranker.js';
import { type ExecutionProvider } from '../src/onnx/session.js';
import { Rng } from '../rerankers/random.js';

const { values: a } = parseArgs({
  options: {
    limit: { type: 'string', default: '10' },
    candidates: { type: 'string', default: '1000' },
    iterations: { type: 'string', default: '300' },
    providers: { type: 'string', default: 'cpu' },
    hidden: { type: 'string', default: '32' },
  },
});
const n = Number(a.candidates);
const iterations = Number(a.iterations);
const rng = new Rng(1);
const spec = defaultFeatureSpec();
const shape = { ...shapeForSpec(spec), hidden: Number(a.hidden) };
const F = shape.featureNames.length;
const model = FusionModel.init(shape, rng, new Float64Array(F), new Float64Array(F).fill(1), 1);
const candidates: Candidate[] = Array.from({ length: n }, (_, i) => {
  const sources: Candidate['sources'] = {};
  for (const s of RANK_SOURCES)
    if (rng.next() < 0.5) sources[s] = { source: s, score: rng.next(), rank: rng.int(n) };
  return {
    id: `item-${i}`,
    payload: {},
    sources,
    priors: { ctr: rng.next() * 0.1, popularity: rng.next() * 4 },
  };
});
const ctx = { queryKind: 'text' as const, queryModalities: ['text'] };
const reranker = await OnnxReranker.create({
  version: 'bench',
  onnx: exportFusionModelToOnnx(model),
  model,
  executionProviders: a.providers.split(',') as ExecutionProvider[],
});
const rows = buildFeatureRows(candidates, ctx, spec);
const flat = new Float32Array(n * F);
rows.rows.forEach((r, i) => flat.set(r, i * F));

async function time(
  label: string,
  fn: () => unknown,
): Promise<{ label: string; p50: number; p95: number; mean: number }> {
  for (let i = 0; i < 20; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((x, y) => x - y);
  const r = {
    label,
    p50: ms[Math.floor(ms.length * 0.5)]!,
    p95: ms[Math.floor(ms.length * 0.95)]!,
    mean: ms.reduce((p, c) => p + c, 0) / ms.length,
  };
  console.log(
    `${label.padEnd(44)} p50 ${r.p50.toFixed(3)} ms  p95 ${r.p95.toFixed(3)} ms  mean ${r.mean.toFixed(3)} ms`,
  );
  return r;
}

console.log(
  `rerank ${n} candidates, ${F} features, hidden ${shape.hidden}, ONNX Runtime provider: ${reranker.executionProvider}`,
);
const results = [
  await time(`ONNX session.run (${reranker.executionProvider})`, () =>
    reranker.scoreRows(rows.rows, rows.queryFeatures),
  ),
  await time(`full rerank, explain the shown ${a.limit} (new path)`, () =>
    reranker.rerank(candidates, { ...ctx, limit: Number(a.limit) }),
  ),
  await time('full rerank, explain all (old path)', () =>
    reranker.rerank(candidates, { ...ctx, limit: n }),
  ),
  await time('feature rows only', () => buildFeatureRows(candidates, ctx, spec)),
  await time('TypeScript forward pass (same model)', () =>
    model.forward(flat, n, rows.queryFeatures),
  ),
];
const full = results[1]!;
const old = results[2]!;
console.log(
  `target: full rerank path of ${n} candidates <= 2 ms -> p50 ${full.p50.toFixed(3)} ms (${full.p50 <= 2 ? 'met' : 'missed'}); old path p50 ${old.p50.toFixed(3)} ms (${(old.p50 / full.p50).toFixed(2)}x)`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  `bench/results/rerank-speed${n === 1000 ? '' : `-${n}`}${reranker.executionProvider === 'cpu' ? '' : `-${reranker.executionProvider}`}.json`,
  JSON.stringify(
    {
      candidates: n,
      limit: Number(a.limit),
      features: F,
      loadAverage: (await import('node:os')).loadavg(),
      provider: reranker.executionProvider,
      results,
    },
    null,
    2,
  ),
);
await reranker.close();
