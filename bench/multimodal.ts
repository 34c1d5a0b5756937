/**
 * Multimodal fusion benchmark: a judged world where each modality's reliability depends on the query kind
 * (rerankers/simulation/multimodal-world.ts). Traffic is served by RRF (logging the feature rows), clicks follow
 * the position-based model, the fusion reranker is trained on those clicks (IPS, propensities from swaps), and
 * test nDCG@10 on held-out judged queries is compared with RRF, weighted, DBSF and the best single modality.
 *   npx tsx bench/multimodal.ts [--train-queries 600] [--test-queries 300] [--sessions 30000] [--seed 1]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildClickthroughs } from '../src/feedback/training-set.js';
import { buildFeatureRows } from '../rerankers/features/index.js';
import { FeedbackEvent } from '../src/domain/feedback.js';
import { DbsfReranker, RrfReranker, WeightedReranker } from '../rerankers/fusion/index.js';
import { LiveReranker } from '../rerankers/live-reranker.js';
import { meanCi95, ndcgAt } from '../rerankers/metrics.js';
import { exportFusionModelToOnnx } from '../rerankers/onnx-export.js';
import { OnnxReranker } from '../rerankers/onnx-reranker.js';
import type { Reranker } from '../rerankers/reranker.js';
import { generateMultimodalWorld, type WorldQuery } from '../rerankers/simulation/multimodal-world.js';
import { simulateTraffic } from '../rerankers/simulation/simulate-traffic.js';
import { trainFromClickthroughs } from '../rerankers/train-from-logs.js';
import type { ModelRegistry } from '../rerankers/registry.js';

const { values: a } = parseArgs({
  options: {
    'train-queries': { type: 'string', default: '600' },
    'test-queries': { type: 'string', default: '300' },
    sessions: { type: 'string', default: '30000' },
    seed: { type: 'string', default: '1' },
  },
});
const seed = Number(a.seed);
const started = performance.now();
const train = generateMultimodalWorld({ queries: Number(a['train-queries']), seed: seed * 10 + 1 });
const test = generateMultimodalWorld({ queries: Number(a['test-queries']), seed: seed * 10 + 2 });

// Logging policy: the engine's `model` ranker before any model exists = RRF that logs feature rows.
const noModels = { promotedCollections: () => [], onChange: () => () => {}, promoted: () => undefined } as unknown as ModelRegistry;
const logger = new LiveReranker(noModels, { pollMs: 0 });
const events = (await simulateTraffic(train, logger, { collection: 'bench', sessions: Number(a.sessions), seed, swapShare: 0.1 })).map((e) => FeedbackEvent.parse(e));
const clicks = events.filter((e) => e.type === 'click').length;
const cts = buildClickthroughs(events);
const t0 = performance.now();
const trained = trainFromClickthroughs(cts, { seed, epochs: 40, hidden: 16 });
const trainSeconds = (performance.now() - t0) / 1000;
const learned = await OnnxReranker.create({ version: 'learned', onnx: exportFusionModelToOnnx(trained.model), model: trained.model, executionProviders: ['cpu'] });

async function ndcgs(r: Reranker, queries: readonly WorldQuery[]): Promise<number[]> {
  const out: number[] = [];
  for (const q of queries) {
    const hits = await r.rerank(q.candidates, { queryKind: q.kind, queryModalities: q.queryModalities, collection: 'bench' });
    out.push(ndcgAt(hits.map((_, i) => -i), hits.map((h) => q.labels.get(h.id) ?? 0), 10));
  }
  return out;
}
/** One source alone: its similarity, candidates it did not retrieve last. */
const single = (source: string): Reranker => ({
  name: `single:${source}`,
  version: source,
  rerank: async (cands) =>
    cands
      .map((c) => ({ id: c.id, score: c.sources[source]?.score ?? -1e9, payload: c.payload, explanation: { scores: {}, shares: {}, ranker: source } }))
      .sort((x, y) => y.score - x.score),
});

const arms: Record<string, Reranker> = { rrf: new RrfReranker(), weighted: new WeightedReranker(), dbsf: new DbsfReranker() };
for (const s of ['text', 'image', 'image_text', 'audio', 'audio_text', 'bm25']) arms[`single:${s}`] = single(s);
const results: Record<string, { mean: number; lo: number; hi: number; byKind: Record<string, number> }> = {};
const summarise = (xs: number[]) => {
  const byKind: Record<string, number> = {};
  for (const kind of ['text', 'image', 'audio']) {
    const ks = xs.filter((_, i) => test[i]!.kind === kind);
    byKind[kind] = ks.reduce((p, c) => p + c, 0) / Math.max(1, ks.length);
  }
  const ci = meanCi95(xs);
  return { mean: ci.mean, lo: ci.lo, hi: ci.hi, byKind };
};
results.learned = summarise(await ndcgs(learned, test));
for (const [name, r] of Object.entries(arms)) results[name] = summarise(await ndcgs(r, test));

const baselines = Object.entries(results).filter(([k]) => k !== 'learned');
const [bestName, best] = baselines.reduce((p, c) => (c[1].mean > p[1].mean ? c : p));
const bestSingle = baselines.filter(([k]) => k.startsWith('single:')).reduce((p, c) => (c[1].mean > p[1].mean ? c : p));
const ratio = results.learned!.mean / best.mean;
// A stronger, oracle baseline: the best single modality chosen per query kind with hindsight on the test set.
const singles = baselines.filter(([k]) => k.startsWith('single:'));
const oracleByKind = Object.fromEntries(
  (['text', 'image', 'audio'] as const).map((kind) => {
    const [name, r] = singles.reduce((p, c) => (c[1].byKind[kind]! > p[1].byKind[kind]! ? c : p));
    return [kind, { name, ndcg: r.byKind[kind]! }];
  }),
);
const kindShare = (kind: string) => test.filter((q) => q.kind === kind).length / test.length;
const oracle = Object.entries(oracleByKind).reduce((acc, [kind, v]) => acc + v.ndcg * kindShare(kind), 0);

console.log(`multimodal fusion benchmark: ${train.length} train queries, ${Number(a.sessions)} sessions (${clicks} clicks, 10% adjacent swaps), ${test.length} judged test queries`);
console.log(`propensities (${trained.propensitySource}): ${trained.propensities.map((p) => p.toFixed(2)).join(' ')}; training ${trainSeconds.toFixed(1)} s`);
console.log('ranker            nDCG@10  95% CI              text    image   audio');
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(16)}  ${r.mean.toFixed(4)}   [${r.lo.toFixed(4)}, ${r.hi.toFixed(4)}]  ${r.byKind.text!.toFixed(4)}  ${r.byKind.image!.toFixed(4)}  ${r.byKind.audio!.toFixed(4)}`);
}
console.log(`learned / best baseline (${bestName}) = ${ratio.toFixed(3)} (target >= 1.05); best single modality: ${bestSingle[0]} ${bestSingle[1].mean.toFixed(4)}`);
console.log(`oracle single modality per query kind (${Object.entries(oracleByKind).map(([k, v]) => `${k}->${v.name.slice(7)}`).join(', ')}): ${oracle.toFixed(4)}; learned / oracle = ${(results.learned!.mean / oracle).toFixed(3)}`);
const gateByKind: Record<string, Record<string, number>> = {};
for (const kind of ['text', 'image', 'audio'] as const) {
  const q = test.find((x) => x.kind === kind)!;
  const fr = buildFeatureRows(q.candidates, { queryKind: kind, queryModalities: [kind] });
  const gate = trained.model.gate(fr.queryFeatures);
  gateByKind[kind] = Object.fromEntries(trained.model.shape.groups.map((g, i) => [g.name, +gate[i]!.toFixed(3)]));
}
console.log('learned gate by query kind:', JSON.stringify(gateByKind));
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/multimodal.json', JSON.stringify({ results, bestBaseline: bestName, ratio, oracleSingle: oracle, oracleByKind, propensities: trained.propensities, gateByKind, clicks, seconds: (performance.now() - started) / 1000 }, null, 2));
await learned.close();
