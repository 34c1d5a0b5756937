/**
 * Multimodal fusion benchmark, end to end through the engine's two-stage retrieval (no fixed candidate sets):
 * a vector world (rerankers/simulation/vector-world.ts) where each modality's reliability depends on the query's
 * kind and on the query itself; popularity independent of relevance. Default traffic (RRF, logging feature rows)
 * gets position-based clicks (examination 1/(rank+1)); the learned reranker is trained on them; weighted fusion
 * with per-kind weights is tuned on the SAME clicks, counterfactually; RRF and weighted also run with popularity as a list. Every arm is
 * judged by true grades (nDCG@10 against all graded items) on intents never seen in training, over several seeds.
 * The collection gets a fusion preset (`--preset weighted` by default; rrf, dbsf, or none): default traffic is
 * ranked by it and the learned model starts from it.
 * `--ab-trainer <checkout>` adds an arm trained by another checkout's trainer (its src/model-registry/fit-from-logs.ts, or rerankers/ in older checkouts) on this
 * very log: a paired A/B of trainer code. Separate runs of one seed are repeatable too (deterministic ANN builds,
 * each impression committed before the next session, ties in the trainer's log order kept in log order, not by
 * random query id): each seed's result carries `logDigest`, a hash of the training log as the trainer reads it, so
 * two runs can be checked to have trained on identical input. The other trainer's model must load in this one's
 * format.
 * `--clicks dcm` swaps the click model for a cascade (dependent click model: the user reads down the list, clicks
 * by attractiveness, and stops after a click with a probability that falls with rank): position bias that is not
 * the position-based model the trainer's propensities assume, as a world the ranker was not built for.
 *   npx tsx bench/multimodal.ts [--seeds 3] [--sessions 1500] [--train-intents 60] [--test-intents 150] [--items 1500] [--preset weighted] [--clicks pbm|dcm]
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { applyPreset, savePreset } from '../src/storage/fusion-presets.js';
import { buildChorus } from '../src/app/build.js';
import { parseConfig } from '../src/config.js';
import type { Candidate } from '../src/domain/candidate.js';
import type { FeedbackEvent } from '../src/domain/feedback.js';
import { buildClickthroughs } from '../src/feedback/training-set.js';
import { type Clickthrough } from '../src/domain/clickthrough.js';
import { perImpressionClicks } from '../rerankers/counterfactual.js';
import { readClickthroughs } from '../src/model-registry/fit-from-logs.js';
import { trainFromClickthroughs } from '../rerankers/train-from-logs.js';
import { queryGroups } from '../rerankers/query-split.js';
import { featureNames, defaultFeatureSpec } from '../rerankers/features/index.js';
import { WeightedReranker, RrfReranker } from '../rerankers/fusion/index.js';
import type { LiveReranker } from '../rerankers/live-reranker.js';
import { meanCi95 } from '../rerankers/metrics.js';
import { Rng } from '../rerankers/random.js';
import { FusionModel, type ModelJSON } from '../rerankers/model/fusion-model.js';
import { exportFusionModelToOnnx } from '../rerankers/onnx-export.js';
import { OnnxReranker } from '../rerankers/onnx-reranker.js';
import { ModelRegistry } from '../src/model-registry/registry.js';
import type { Reranker, RerankContext } from '../rerankers/reranker.js';
import type { Interval } from '../rerankers/counterfactual.js';
import { attachModelServing } from '../src/app/model-serving.js';
import {
  VectorWorldGen,
  type Intent,
  type IntentKind,
} from '../rerankers/simulation/vector-world.js';

const { values: a } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    // First seed of the run (seeds first..first+seeds-1): re-run one seed alone to look at it.
    'first-seed': { type: 'string', default: '1' },
    sessions: { type: 'string', default: '1500' },
    'train-intents': { type: 'string', default: '60' },
    'test-intents': { type: 'string', default: '150' },
    items: { type: 'string', default: '1500' },
    // How much each modality's reliability varies between queries of one kind (vector-world.ts, default 0.5).
    'reliability-spread': { type: 'string', default: '0.5' },
    // The collection's fusion preset: the traffic's ranker and the learned model's baseline ('none' = RRF default).
    preset: { type: 'string', default: 'weighted' },
    // How simulated users click: position-based (examination 1/(rank+1)) or a cascade (dependent click model).
    clicks: { type: 'string', default: 'pbm' },
    out: { type: 'string', default: 'bench/results/multimodal.json' },
    'ab-trainer': { type: 'string' },
    // Upper bounds, judged like every arm on the held-out intents (diagnosis only; they read true grades).
    oracles: { type: 'boolean', default: false },
  },
});
const ATTRACT = [0.03, 0.15, 0.35, 0.65, 0.9];
if (a.clicks !== 'pbm' && a.clicks !== 'dcm') throw new Error('--clicks must be pbm or dcm');
const spread = Number(a['reliability-spread']);
if (!Number.isFinite(spread) || spread < 0)
  throw new Error('--reliability-spread must be a number >= 0');
/** DCM: after a click at rank k the user goes on reading with this probability (falls with rank). */
const continueAfterClick = (k: number) => 0.7 * 0.85 ** k;

/** Ranks clicked in one list of grades, by the chosen click model. */
function simulateClicks(grades: number[], rng: Rng): number[] {
  const out: number[] = [];
  for (let k = 0; k < grades.length; k++) {
    const attract = ATTRACT[grades[k]!]!;
    if (a.clicks === 'pbm') {
      if (rng.next() < (1 / (k + 1)) * attract) out.push(k);
    } else if (rng.next() < attract) {
      out.push(k);
      if (rng.next() >= continueAfterClick(k)) break;
    }
  }
  return out;
}
const C = 'bench';
const KINDS: IntentKind[] = ['text', 'image', 'audio'];
const SOURCES = ['text', 'image', 'audio'];

/** Adds the candidates' popularity (engagement prior) as one more ranked list, so fusions get the same signal. */
class WithPopularity implements Reranker {
  readonly name: string;
  readonly version: string;
  constructor(private readonly inner: Reranker) {
    this.name = `${inner.name}+pop`;
    this.version = this.name;
  }
  rerank(cands: Candidate[], ctx: RerankContext) {
    const ranked = cands
      .filter((c) => (c.priors?.popularity ?? 0) > 0)
      .sort((x, y) => y.priors!.popularity! - x.priors!.popularity!);
    ranked.forEach(
      (c, rank) =>
        (c.sources = {
          ...c.sources,
          popularity: { source: 'popularity', score: c.priors!.popularity!, rank },
        }),
    );
    return this.inner.rerank(cands, ctx);
  }
}

/**
 * How well the trainer's query grouping (what "unseen queries" means to its splits) recovers the simulator's
 * intents: groups found vs intents, and the share of impressions whose intent also appears in another group (an
 * intent split across groups can sit on both sides of a train/validation split).
 */
function groupingQuality(cts: readonly Clickthrough[], intentOf: Map<string, string>) {
  const groups = queryGroups(cts);
  const groupsOfIntent = new Map<string, Set<number>>();
  cts.forEach((ct, i) => {
    const intent = intentOf.get(ct.queryId) ?? '?';
    const g = groupsOfIntent.get(intent) ?? new Set<number>();
    g.add(groups[i]!);
    groupsOfIntent.set(intent, g);
  });
  const split = cts.filter(
    (ct) => (groupsOfIntent.get(intentOf.get(ct.queryId) ?? '?')?.size ?? 0) > 1,
  );
  const intentsOfGroup = new Map<number, Set<string>>();
  cts.forEach((ct, i) => {
    const s = intentsOfGroup.get(groups[i]!) ?? new Set<string>();
    s.add(intentOf.get(ct.queryId) ?? '?');
    intentsOfGroup.set(groups[i]!, s);
  });
  const mixed = [...intentsOfGroup.values()].filter((s) => s.size > 1).length;
  return {
    impressions: cts.length,
    intents: groupsOfIntent.size,
    groups: intentsOfGroup.size,
    mixedGroups: mixed,
    impressionsOfSplitIntents: Number((split.length / Math.max(1, cts.length)).toFixed(3)),
  };
}

/**
 * SHA-256 of the training log as the trainer reads it, in its order: each impression's session number, shown ids,
 * positions, clicks and every feature value's bits. Equal digests across runs = identical training input.
 */
function trainingLogDigest(cts: readonly Clickthrough[], sessionOf: Map<string, number>): string {
  const h = createHash('sha256');
  for (const ct of cts) {
    h.update(`${sessionOf.get(ct.queryId) ?? '?'};`);
    for (const it of ct.items) {
      h.update(`${it.id}@${it.position}${it.clicked ? '*' : ''}:${it.label};`);
      h.update(new Uint8Array(it.features.buffer, it.features.byteOffset, it.features.byteLength));
    }
    if (ct.queryFeatures)
      h.update(
        new Uint8Array(
          ct.queryFeatures.buffer,
          ct.queryFeatures.byteOffset,
          ct.queryFeatures.byteLength,
        ),
      );
  }
  return h.digest('hex').slice(0, 16);
}

const dcg = (ls: number[]) => ls.reduce((acc, l, i) => acc + (2 ** l - 1) / Math.log2(i + 2), 0);

/**
 * The learned model's own family and training procedure fitted on true grades instead of clicks, on the logged
 * impressions (same feature rows, same shown lists). Counterfactual clicks are invariant to reorderings of a fully
 * shown list under a flat examination curve, so the labels carry a known linear one, p(k) = (10 - k) / 10, given to
 * the trainer as its propensities: each impression is copied 10 x 4 times, copy (r, t) "clicks" the items graded >= t
 * at positions k < 10 - r. Summed over copies an item at position k is clicked grade x p(k) times, so the IPS value of
 * a reordering is exactly its grade-weighted, linearly discounted gain. What the family reaches with noise-free,
 * unbiased evidence on the lists the serving ranker showed (guard: holdout, the oracle needs no guard evidence).
 */
function oracleFamily(
  cts: readonly Clickthrough[],
  intentOf: Map<string, string>,
  intentById: Map<string, Intent>,
  seed: number,
): FusionModel {
  const graded: Clickthrough[] = [];
  for (const ct of cts) {
    const grades = intentById.get(intentOf.get(ct.queryId) ?? '')?.grades;
    if (!grades) continue;
    for (let r = 0; r < 10; r++)
      for (let t = 1; t <= 4; t++)
        graded.push({
          ...ct,
          queryId: `${ct.queryId}#${r}.${t}`,
          items: ct.items.map((it) => {
            const clicked = it.position < 10 - r && (grades.get(it.id) ?? 0) >= t;
            return { ...it, clicked, label: clicked ? 1 : 0 };
          }),
        });
  }
  return trainFromClickthroughs(graded, {
    epochs: 30,
    seed,
    guard: 'holdout',
    propensities: Array.from({ length: 10 }, (_, k) => (10 - k) / 10),
  }).model;
}

/** Which vectors a query of each kind sends (vector-world.ts BASE_NOISE): the weights an oracle may set. */
const SENT: Record<IntentKind, string[]> = {
  text: ['text', 'image', 'audio'],
  image: ['image', 'text'],
  audio: ['audio', 'text'],
};

/**
 * Weighted fusion with the best weights chosen by true grades on the held-out intents themselves: per query (the
 * ceiling of any per-query gate over these lists) and per kind (the ceiling of weights tuned per kind). Same query
 * vectors as every arm. The grid is the tuned arm's, up to scale (weighted fusion is scale-free).
 */
async function oracleWeights(
  engine: Awaited<ReturnType<typeof buildChorus>>['engine'],
  gen: VectorWorldGen,
  testIntents: readonly Intent[],
  seed: number,
) {
  const qr = new Rng(seed * 100 + 4);
  const queries = testIntents.map((i) => gen.queryVectors(i, qr));
  const grid = [0, 0.25, 0.5, 1, 2];
  const weightSets = (kind: IntentKind) => {
    const sent = SENT[kind];
    const out = new Map<string, Record<string, number>>();
    const rec = (i: number, w: Record<string, number>) => {
      if (i === sent.length) {
        const max = Math.max(...Object.values(w));
        if (max <= 0) return;
        const norm = Object.fromEntries(SOURCES.map((s) => [s, (w[s] ?? 0) / max]));
        out.set(JSON.stringify(norm), norm);
        return;
      }
      for (const g of grid) rec(i + 1, { ...w, [sent[i]!]: g });
    };
    rec(0, {});
    return [...out.values()];
  };
  const sets = Object.fromEntries(KINDS.map((k) => [k, weightSets(k)])) as Record<
    IntentKind,
    Record<string, number>[]
  >;
  // nDCG@10 of every weight set on every intent.
  const table: number[][] = [];
  for (let q = 0; q < testIntents.length; q++) {
    const intent = testIntents[q]!;
    const ideal = [...intent.grades.values()].sort((x, y) => y - x).slice(0, 10);
    const row: number[] = [];
    for (const weights of sets[intent.kind]) {
      const r = await engine.search({
        collection: C,
        query: { vectors: queries[q]! },
        limit: 10,
        logImpression: false,
        fusion: 'weighted',
        weights,
      });
      row.push(dcg(r.hits.map((h) => intent.grades.get(h.id) ?? 0)) / dcg(ideal));
    }
    table.push(row);
  }
  const perQuery = table.map((row) => Math.max(...row));
  const bestOfKind = Object.fromEntries(
    KINDS.map((k) => {
      const idx = testIntents.flatMap((it, q) => (it.kind === k ? [q] : []));
      let best = 0;
      let bestMean = -Infinity;
      sets[k].forEach((_, j) => {
        const m = idx.reduce((acc, q) => acc + table[q]![j]!, 0) / Math.max(1, idx.length);
        if (m > bestMean) [best, bestMean] = [j, m];
      });
      return [k, best];
    }),
  ) as Record<IntentKind, number>;
  const perKind = table.map((row, q) => row[bestOfKind[testIntents[q]!.kind]]!);
  // What the per-query choice depends on: each intent's true noise per vector beside the weights it wanted.
  const diagnosis = testIntents.map((intent, q) => {
    const row = table[q]!;
    const j = row.indexOf(Math.max(...row));
    return {
      kind: intent.kind,
      noise: Object.fromEntries(
        Object.entries(intent.noise).map(([m, v]) => [m, Number(v!.toFixed(3))]),
      ),
      best: sets[intent.kind][j],
      gainOverKindBest: Number((row[j]! - perKind[q]!).toFixed(4)),
    };
  });
  return {
    scores: { 'oracle-query-weights': perQuery, 'oracle-kind-weights': perKind },
    diagnosis: {
      kindWeights: Object.fromEntries(KINDS.map((k) => [k, sets[k][bestOfKind[k]]])),
      intents: diagnosis,
    },
  };
}

async function runSeed(seed: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-mm-'));
  // Deterministic ANN builds: the same seed gives the same graphs, so separate runs see the same stage-1 lists.
  const config = parseConfig({ dataDir: dir, logLevel: 'silent', ann: { deterministic: true } });
  const chorus = await buildChorus(config, {
    encoders: 'none',
    indexMaintenance: 'inline',
    extraRouters: (deps, built) => attachModelServing(deps, built),
  });
  try {
    const gen = new VectorWorldGen({
      items: Number(a.items),
      topics: 40,
      dim: 16,
      seed,
      reliabilitySpread: spread,
    });
    const engine = chorus.engine;
    await engine.createCollection({
      name: C,
      vectors: Object.fromEntries(SOURCES.map((m) => [m, { modality: m, dim: 16 }])),
    } as never);
    if (a.preset !== 'none') {
      savePreset(chorus.db.kv, 'bench', { fusion: a.preset as 'rrf' | 'weighted' | 'dbsf' });
      applyPreset(chorus.db.kv, C, 'bench');
    }
    for (let i = 0; i < gen.world.items.length; i += 500)
      await engine.upsertItems(C, gen.world.items.slice(i, i + 500) as never);
    // Every row in the ANN graphs before any search: stage 1 must not change while rows are being absorbed, or the
    // arms (run one after another) would see different candidate lists for the same query.
    const store = chorus.store as { flushIndex?: (c: string) => Promise<void> };
    await store.flushIndex?.(C);
    const trainIntents = gen.intents(Number(a['train-intents']), seed * 100 + 1, 'train');
    const intentById = new Map(trainIntents.map((i) => [i.id, i]));
    const testIntents = gen.intents(Number(a['test-intents']), seed * 100 + 2, 'test');
    const rng = new Rng(seed * 100 + 3);
    const kindOf = new Map<string, IntentKind>();
    const intentOf = new Map<string, string>();
    const sessionOf = new Map<string, number>();
    for (let s = 0; s < Number(a.sessions); s++) {
      const intent = trainIntents[rng.int(trainIntents.length)]!;
      const r = await engine.search({
        collection: C,
        query: { vectors: gen.queryVectors(intent, rng) },
        limit: 10,
      });
      kindOf.set(r.queryId, intent.kind);
      intentOf.set(r.queryId, intent.id);
      sessionOf.set(r.queryId, s);
      // The impression's group commit lands before the user acts and before the next session (in real time it lands
      // within 50 ms, sessions are seconds apart). Without this, the bench's back-to-back searches let commit timing
      // decide which earlier impressions each item's CTR feature had counted: the logged rows, and everything trained
      // on them, differed between identical runs.
      await engine.flush();
      const clicked = simulateClicks(
        r.hits.map((h) => intent.grades.get(h.id) ?? 0),
        rng,
      );
      const clicks: FeedbackEvent[] = clicked.map((k) => ({
        type: 'click',
        eventId: `c${s}-${k}`,
        collection: C,
        queryId: r.queryId,
        itemId: r.hits[k]!.id,
        timestamp: Date.now(),
      }));
      if (clicks.length) await engine.ingest(clicks);
    }
    await engine.flush();
    const registry = new ModelRegistry({
      db: chorus.db,
      dataDir: dir,
      executionProviders: ['cpu'],
    });
    // Two runs of one seed must train on the same log: a digest of what the trainer reads (query ids as sessions).
    const logDigest = trainingLogDigest(readClickthroughs(chorus.db, { collection: C }), sessionOf);
    const t0 = performance.now();
    const model = registry.train({ collection: C, epochs: 30, seed });
    const trainSeconds = (performance.now() - t0) / 1000;
    const comparison = registry.compare(C, model.version);
    if (comparison.better) await registry.promote(C, model.version);
    await (engine.rerankers.get('model') as LiveReranker).sync();
    engine.rerankers.set('learned', await registry.openReranker(C, model.version));
    // The tuned start alone (coordinate search of both fusion families per query category, cross-validated; no
    // gradient epochs): what the learned model departs from.
    const start = registry.train({ collection: C, epochs: 0, seed });
    engine.rerankers.set('learned-start', await registry.openReranker(C, start.version));
    // The other trainer's guard on this same log (its training-time estimate against the baseline, as promote reads
    // it when no model serves): a paired view of guard power.
    let abGuard: { difference: Interval; impressions: number; better: boolean } | undefined;
    if (a['ab-trainer']) {
      // The other checkout's trainer, with the learned arm's request, on this process's log and index.
      // Where the trainer lives in that checkout (rerankers/ before the registry moved to src/model-registry/).
      const trainer = ['src/model-registry/fit-from-logs.ts', 'rerankers/fit-from-logs.ts']
        .map((p) => path.resolve(a['ab-trainer']!, p))
        .find((p) => existsSync(p));
      if (!trainer) throw new Error(`--ab-trainer: no fit-from-logs.ts in ${a['ab-trainer']}`);
      const { fitFromLogs } = (await import(pathToFileURL(trainer).href)) as {
        fitFromLogs: (
          db: unknown,
          req: { collection: string; epochs: number; seed: number },
        ) => {
          model: ModelJSON;
          metrics: { heldOut?: { difference: Interval; impressions: number } };
        };
      };
      const abFit = fitFromLogs(chorus.db, { collection: C, epochs: 30, seed });
      const h = abFit.metrics.heldOut;
      if (h)
        abGuard = {
          difference: h.difference,
          impressions: h.impressions,
          better: h.impressions > 0 && h.difference.low > 0,
        };
      const m = FusionModel.fromJSON(abFit.model);
      engine.rerankers.set(
        'ab-trainer',
        await OnnxReranker.create({
          version: 'ab-trainer',
          onnx: exportFusionModelToOnnx(m),
          model: m,
          executionProviders: ['cpu'],
        }),
      );
    }

    // Weights per query kind tuned on the same training clicks, counterfactually (on the logged lists). Popularity
    // is left out of the tuning: in a click log it carries each query's own earlier clicks, and a grid that may use
    // it picks popularity-only rankings that collapse on new intents (seen in development: nDCG 0.075).
    const names = featureNames(defaultFeatureSpec());
    const cts = buildClickthroughs(chorus.db.events.iterate({ collection: C }));
    const grouping = groupingQuality(cts, intentOf);
    const props = (model.metrics.propensities as number[]) ?? [1];
    const popIdx = names.indexOf('popularity');
    const grid = [0, 0.25, 0.5, 1, 2];
    const tuned: Record<string, Record<string, number>> = {};
    for (const kind of KINDS) {
      const logs = cts.filter((c: Clickthrough) => kindOf.get(c.queryId) === kind);
      let best = { v: -Infinity, w: {} as Record<string, number> };
      const col = (f: string) => names.indexOf(`similarity_norm:${f}`);
      // Sources this kind's queries carry: weights that zero all of them rank by nothing (the estimator keeps the
      // logged order on ties, the engine does not), which no hand tuner would pick.
      const present = SOURCES.filter((src) =>
        logs.some((c) => c.items.some((it) => it.features[col(src)]! > 0)),
      );
      for (const wt of grid)
        for (const wi of grid)
          for (const wa of grid)
            for (const wp of [0]) {
              const w = { text: wt, image: wi, audio: wa, popularity: wp };
              if (present.every((src) => w[src as 'text'] === 0)) continue;
              const v = perImpressionClicks(
                (ct) =>
                  ct.items.map(
                    (it) =>
                      SOURCES.reduce((acc, s) => acc + w[s as 'text']! * it.features[col(s)]!, 0) +
                      wp * Math.min(1, it.features[popIdx]! / 5),
                  ),
                logs,
                props,
              ).values;
              const m = v.reduce((x, y) => x + y, 0) / Math.max(1, v.length);
              if (m > best.v + 1e-9) best = { v: m, w };
            }
      tuned[kind] = best.w;
      if (process.env.DEBUG_MM) console.log(kind, logs.length, JSON.stringify(best));
    }
    // The learned start's weights per intent kind (e^u on each source's baseline part, e^v - 1 on its score).
    const startWeights: Record<string, unknown> = {};
    const sm = registry.loadModel(C, start.version);
    for (const kind of KINDS) {
      const q = cts.find((c) => kindOf.get(c.queryId) === kind)?.queryFeatures;
      if (!q) continue;
      const rw = sm.reweight(q);
      const r3 = (xs: Float64Array) =>
        Object.fromEntries(sm.shape.groups.map((g, i) => [g.name, Number(xs[i]!.toFixed(3))]));
      startWeights[kind] = { part: r3(rw.reweight), score: r3(rw.scoreWeight) };
    }
    if (process.env.DEBUG_MM) console.log('start weights', JSON.stringify(startWeights));
    if (a.oracles) {
      const oracle = oracleFamily(
        readClickthroughs(chorus.db, { collection: C }),
        intentOf,
        intentById,
        seed,
      );
      engine.rerankers.set(
        'oracle-family',
        await OnnxReranker.create({
          version: 'oracle-family',
          onnx: exportFusionModelToOnnx(oracle),
          model: oracle,
          executionProviders: ['cpu'],
        }),
      );
    }
    engine.rerankers.set('rrf+pop', new WithPopularity(new RrfReranker()));
    engine.rerankers.set('weighted+pop', new WithPopularity(new WeightedReranker()));
    const arms: Record<
      string,
      (k: IntentKind) => { fusion: string; weights?: Record<string, number> }
    > = {
      served: () => ({ fusion: 'model' }),
      learned: () => ({ fusion: 'learned' }),
      'learned-start': () => ({ fusion: 'learned-start' }),
      rrf: () => ({ fusion: 'rrf' }),
      dbsf: () => ({ fusion: 'dbsf' }),
      weighted: () => ({ fusion: 'weighted' }),
      'rrf+pop': () => ({ fusion: 'rrf+pop' }),
      'weighted+pop': () => ({ fusion: 'weighted+pop' }),
      'single:text': () => ({ fusion: 'weighted', weights: { text: 1, image: 0, audio: 0 } }),
      'single:image': () => ({ fusion: 'weighted', weights: { text: 0, image: 1, audio: 0 } }),
      'single:audio': () => ({ fusion: 'weighted', weights: { text: 0, image: 0, audio: 1 } }),
      'tuned-weights': (k) => ({ fusion: 'weighted', weights: tuned[k]! }),
      ...(a['ab-trainer'] ? { 'ab-trainer': () => ({ fusion: 'ab-trainer' }) } : {}),
      ...(a.oracles ? { 'oracle-family': () => ({ fusion: 'oracle-family' }) } : {}),
    };
    const scores: Record<string, number[]> = {};
    const byKind: Record<string, Record<string, number[]>> = {};
    for (const [arm, pick] of Object.entries(arms)) {
      const qr = new Rng(seed * 100 + 4);
      scores[arm] = [];
      for (const intent of testIntents as Intent[]) {
        const r = await engine.search({
          collection: C,
          query: { vectors: gen.queryVectors(intent, qr) },
          limit: 10,
          logImpression: false,
          ...pick(intent.kind),
        });
        const ideal = [...intent.grades.values()].sort((x, y) => y - x).slice(0, 10);
        const ndcg = dcg(r.hits.map((h) => intent.grades.get(h.id) ?? 0)) / dcg(ideal);
        scores[arm]!.push(ndcg);
        ((byKind[arm] ??= {})[intent.kind] ??= []).push(ndcg);
      }
    }
    let oracleDiagnosis: unknown;
    if (a.oracles) {
      const w = await oracleWeights(engine, gen, testIntents, seed);
      for (const [arm, per] of Object.entries(w.scores)) {
        scores[arm] = per;
        per.forEach((v, i) => ((byKind[arm] ??= {})[testIntents[i]!.kind] ??= []).push(v));
      }
      oracleDiagnosis = w.diagnosis;
    }
    const mean = Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, meanCi95(v)]));
    // Per intent kind (diagnosis: which kind of query an arm wins or loses on).
    const meanByKind = Object.fromEntries(
      Object.entries(byKind).map(([arm, ks]) => [
        arm,
        Object.fromEntries(
          Object.entries(ks).map(([k, v]) => [
            k,
            Number((v.reduce((x, y) => x + y, 0) / v.length).toFixed(4)),
          ]),
        ),
      ]),
    );
    return {
      seed,
      mean,
      meanByKind,
      comparison,
      tuned,
      startWeights,
      // The start's cross-validation (its chosen family and scale, every candidate's out-of-fold gain); not the members.
      startCheck: { ...(start.metrics.startCheck as object), members: undefined },
      shrinkage: model.metrics.shrinkage,
      startShrinkage: model.metrics.startShrinkage,
      guardQueries: model.metrics.guardQueries,
      guard: model.metrics.guard,
      guardImpressions: comparison.impressions,
      ...(abGuard ? { abGuard } : {}),
      bestEpoch: model.metrics.bestEpoch,
      weightSearch: model.metrics.weightSearch,
      trainSeconds,
      grouping,
      logDigest,
      ...(oracleDiagnosis ? { oracleDiagnosis } : {}),
    };
  } finally {
    await chorus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const started = performance.now();
const runs: Awaited<ReturnType<typeof runSeed>>[] = [];
const firstSeed = Number(a['first-seed']);
for (let s = firstSeed; s < firstSeed + Number(a.seeds); s++) {
  const r = await runSeed(s);
  runs.push(r);
  console.log(
    `seed ${s}: ${Object.entries(r.mean)
      .map(([k, v]) => `${k} ${v.mean.toFixed(4)}`)
      .join(
        ', ',
      )}; guard ${r.comparison.better ? 'promoted' : 'refused'} (diff ${r.comparison.difference.estimate.toFixed(3)} [${r.comparison.difference.low.toFixed(3)}, ${r.comparison.difference.high.toFixed(3)}], ${r.guardImpressions} impressions)${r.abGuard ? `, ab-trainer guard ${r.abGuard.better ? 'promoted' : 'refused'} (diff ${r.abGuard.difference.estimate.toFixed(3)} [${r.abGuard.difference.low.toFixed(3)}, ${r.abGuard.difference.high.toFixed(3)}], ${r.abGuard.impressions} impressions)` : ''}; shrinkage ${r.shrinkage}; best epoch ${String(r.bestEpoch)}; weight search ${JSON.stringify(r.weightSearch)}; train ${r.trainSeconds.toFixed(1)} s; query groups ${JSON.stringify(r.grouping)}; log ${r.logDigest}`,
  );
}
// What the other trainer's guard would have served: its model when its guard passes, else the collection's default
// ranker (the preset, or RRF without one), the arm this run's 'served' equals when its own guard refuses.
const defaultArm = a.preset === 'none' ? 'rrf' : a.preset;
if (a['ab-trainer'])
  for (const r of runs)
    if (r.abGuard && r.mean[defaultArm])
      r.mean['ab-served'] = r.abGuard.better ? r.mean['ab-trainer']! : r.mean[defaultArm]!;
const arms = Object.keys(runs[0]!.mean);
const over = Object.fromEntries(arms.map((k) => [k, meanCi95(runs.map((r) => r.mean[k]!.mean))]));
console.log(
  `\nheld-out intents, nDCG@10 mean over ${runs.length} seeds [95% CI of seed means] (synthetic vector world, ${a.sessions} sessions/seed)`,
);
for (const k of arms)
  console.log(
    `${k.padEnd(20)} ${over[k]!.mean.toFixed(4)} [${over[k]!.lo.toFixed(4)}, ${over[k]!.hi.toFixed(4)}]`,
  );
const untuned = arms.filter(
  (k) =>
    !['served', 'learned', 'learned-start', 'tuned-weights', 'ab-trainer', 'ab-served'].includes(
      k,
    ) && !k.startsWith('oracle-'),
);
const bestUntuned = untuned.reduce((p, k) => (over[k]!.mean > over[p]!.mean ? k : p));
const ratios = {
  learnedVsBestUntuned: over.learned!.mean / over[bestUntuned]!.mean,
  learnedVsTuned: over.learned!.mean / over['tuned-weights']!.mean,
  servedVsBestUntuned: over.served!.mean / over[bestUntuned]!.mean,
  servedVsTuned: over.served!.mean / over['tuned-weights']!.mean,
};
// Paired over seeds (same world, same test intents): the interval of the difference, not of each arm.
const paired = (x: string, y: string) =>
  meanCi95(runs.map((r) => r.mean[x]!.mean - r.mean[y]!.mean));
const differences = {
  learnedMinusTuned: paired('learned', 'tuned-weights'),
  learnedMinusBestUntuned: paired('learned', bestUntuned),
  startMinusTuned: paired('learned-start', 'tuned-weights'),
  ...(a.oracles
    ? Object.fromEntries(
        arms
          .filter((k) => k.startsWith('oracle-'))
          .map((k) => [`${k}MinusTuned`, paired(k, 'tuned-weights')]),
      )
    : {}),
  ...(a['ab-trainer']
    ? {
        learnedMinusAbTrainer: paired('learned', 'ab-trainer'),
        ...(arms.includes('ab-served')
          ? { servedMinusAbServed: paired('served', 'ab-served') }
          : {}),
      }
    : {}),
};
for (const [k, v] of Object.entries(differences))
  console.log(`${k.padEnd(24)} ${v.mean.toFixed(4)} [${v.lo.toFixed(4)}, ${v.hi.toFixed(4)}]`);
console.log(
  `best untuned baseline: ${bestUntuned}; learned/best untuned ${ratios.learnedVsBestUntuned.toFixed(3)} (target 1.05), learned/tuned ${ratios.learnedVsTuned.toFixed(3)} (target 1.0); served (after the guard) ${ratios.servedVsBestUntuned.toFixed(3)} / ${ratios.servedVsTuned.toFixed(3)}`,
);
mkdirSync(path.dirname(a.out), { recursive: true });
writeFileSync(
  a.out,
  JSON.stringify(
    {
      data: `synthetic vector world (rerankers/simulation/vector-world.ts), collection preset ${a.preset}, ${a.clicks === 'dcm' ? 'cascade clicks (DCM)' : 'position-based clicks'}${a['reliability-spread'] === '0.5' ? '' : `, reliability spread ${a['reliability-spread']}`}`,
      guard: {
        promoted: runs.filter((r) => r.comparison.better).length,
        of: runs.length,
        ...(a['ab-trainer']
          ? { abTrainerPromoted: runs.filter((r) => r.abGuard?.better).length }
          : {}),
      },
      options: a,
      loadAverage: loadavg(),
      results: over,
      bestUntuned,
      ratios,
      differences,
      runs,
      seconds: (performance.now() - started) / 1000,
    },
    null,
    2,
  ),
);
