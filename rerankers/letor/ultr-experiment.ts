import { fitPositionBasedModel } from '../click-models/position-based-em.js';
import type { ClickSession } from '../click-models/types.js';
import { argsortDesc, ndcgAt } from '../metrics.js';
import type { FusionModel } from '../model/fusion-model.js';
import type { ModelShape } from '../model/layout.js';
import type { EvalList, TrainList } from '../model/samples.js';
import { evaluateNdcg, fit, type FitOptions } from '../model/trainer.js';
import { Rng } from '../random.js';
import {
  DEFAULT_CLICK_BY_GRADE,
  DEFAULT_EXAMINATION,
  simulatePbmClicks,
} from './click-simulation.js';
import type { LetorQuery, LetorSet } from './svmlight.js';

export interface UltrOptions {
  seed: number;
  /** Click sessions replayed on the production ranker's top-10 lists. */
  sessions: number;
  examination?: readonly number[];
  clickByGrade?: readonly number[];
  /** Share of training queries whose labels train the production ranker (at least `minProductionQueries`). */
  productionShare?: number;
  minProductionQueries?: number;
  /** 'em': regression-EM on the logged clicks (default); 'true': the simulator's own examination vector. */
  propensity?: 'em' | 'true';
  listLength?: number;
  fit?: Partial<FitOptions>;
}

export interface UltrRun {
  seed: number;
  production: number;
  naive: number;
  ips: number;
  skyline: number;
  clicks: number;
  /** Relative examination estimated from the clicks (position 0 = 1). */
  propensities: number[];
}

/** The model the bench trains on LETOR rows: one linear 'all' group (gate = 1) plus the MLP. */
export function letorShape(F: number): Omit<ModelShape, 'hidden'> {
  return {
    featureNames: Array.from({ length: F }, (_, f) => `f${f + 1}`),
    queryFeatureNames: [],
    groups: [{ name: 'all', features: Array.from({ length: F }, (_, f) => f) }],
  };
}

export const toEval = (q: LetorQuery): EvalList => ({ n: q.n, rows: q.rows, labels: q.labels });

/**
 * One run of the unbiased-learning-to-rank experiment: production ranker from a few labelled queries,
 * position-based clicks on its top lists, then the fusion trainer on clicks naive and with IPS (early-stopped on
 * click nDCG of held-out queries, never on labels), and on true labels (skyline, early-stopped on the labelled
 * validation split). Returns test nDCG@10 of each.
 */
export function runUltr(
  train: LetorSet,
  vali: LetorSet | undefined,
  test: LetorSet,
  o: UltrOptions,
): UltrRun {
  const rng = new Rng(o.seed);
  const F = train.numFeatures;
  const shape = letorShape(F);
  const K = o.listLength ?? 10;
  const examination = o.examination ?? DEFAULT_EXAMINATION;
  const clickByGrade = o.clickByGrade ?? DEFAULT_CLICK_BY_GRADE;

  // Validation: the LETOR vali split, or 10% of the training queries held out when there is none.
  let trainQueries = train.queries.filter((q) => q.labels.some((l) => l > 0) || true);
  let validation: EvalList[];
  if (vali) validation = vali.queries.map(toEval);
  else {
    const shuffled = rng.shuffle([...trainQueries]);
    const cut = Math.max(1, Math.round(shuffled.length * 0.1));
    validation = shuffled.slice(0, cut).map(toEval);
    trainQueries = shuffled.slice(cut);
  }
  const base: FitOptions = {
    shape,
    seed: o.seed,
    validation,
    hidden: 16,
    epochs: 40,
    lr: 0.01,
    patience: 5,
    ...o.fit,
  };
  const asLabelled = (q: LetorQuery): TrainList => ({ n: q.n, rows: q.rows, relevance: q.labels });

  // Production ranker: true labels of 1% of the training queries (>= 10).
  const nProd = Math.min(
    trainQueries.length,
    Math.max(
      o.minProductionQueries ?? 10,
      Math.round(trainQueries.length * (o.productionShare ?? 0.01)),
    ),
  );
  const prodQueries = rng.shuffle([...trainQueries]).slice(0, nProd);
  const production = fit(prodQueries.map(asLabelled), {
    ...base,
    hidden: 0,
    seed: o.seed + 1,
  }).model;

  // Replay sessions on the production top-K lists.
  const shown = trainQueries.map((q) => topK(production, q, K));
  const clickCounts = shown.map((s) => new Float32Array(s.n));
  const sessions: ClickSession[] = [];
  let clicks = 0;
  for (let s = 0; s < o.sessions; s++) {
    const qi = rng.int(trainQueries.length);
    const list = shown[qi]!;
    const c = simulatePbmClicks(Array.from(list.labels), rng, {
      examination,
      clickByGrade,
      maxGrade: train.maxGrade,
    });
    const items = c.map((clicked, k) => {
      if (clicked) {
        clickCounts[qi]![k]! += 1;
        clicks++;
      }
      return {
        position: k,
        clicked,
        key: `${qi}:${k}`,
        features: list.rows.subarray(k * F, (k + 1) * F),
      };
    });
    sessions.push({ items });
  }
  // Summing the listwise loss over sessions of one query equals one list whose targets are click counts.
  const clickLists: TrainList[] = shown.map((l, qi) => ({
    n: l.n,
    rows: l.rows,
    relevance: clickCounts[qi]!,
    positions: Int32Array.from({ length: l.n }, (_, k) => k),
  }));

  const propensities =
    o.propensity === 'true'
      ? examination.slice(0, K).map((e) => e / examination[0]!)
      : [...fitPositionBasedModel(sessions, { maxPositions: K, iterations: 40 }).relative];

  // The click-trained arms never see a label: a tenth of the clicked queries is held out whole, and early
  // stopping reads click nDCG on them (click-through per shown item; IPS-corrected for the IPS arm).
  const { trainLists, heldOut } = holdOutQueries(
    clickLists,
    sessionsPerQuery(sessions, shown),
    rng,
  );
  const clickValidation = (props?: readonly number[]): EvalList[] =>
    heldOut.map(({ list, sessions: ns }) => ({
      n: list.n,
      rows: list.rows,
      labels: Float32Array.from(list.relevance, (c, k) =>
        props ? Math.min(IPS_CLIP, c / ns / Math.max(1e-9, props[k]!)) : c / ns,
      ),
    }));
  const naive = fit(trainLists, {
    ...base,
    validation: clickValidation(),
    seed: o.seed + 2,
  }).model;
  const ips = fit(trainLists, {
    ...base,
    validation: clickValidation(propensities),
    seed: o.seed + 3,
    propensities: Float64Array.from(propensities),
  }).model;
  const skyline = fit(trainQueries.map(asLabelled), { ...base, seed: o.seed + 4 }).model;

  const testLists = test.queries.map(toEval);
  return {
    seed: o.seed,
    production: evaluateNdcg(production, testLists),
    naive: evaluateNdcg(naive, testLists),
    ips: evaluateNdcg(ips, testLists),
    skyline: evaluateNdcg(skyline, testLists),
    clicks,
    propensities,
  };
}

const IPS_CLIP = 10;

/** Sessions replayed per query (the click-through denominators), indexed like `shown`. */
function sessionsPerQuery(
  sessions: readonly ClickSession[],
  shown: readonly LetorQuery[],
): number[] {
  const n = new Array<number>(shown.length).fill(0);
  for (const s of sessions) n[Number(s.items[0]!.key.split(':')[0])]!++;
  return n;
}

/** Splits the clicked queries' lists: 10% of them (at least one) held out whole for click-based validation. */
function holdOutQueries(
  lists: readonly TrainList[],
  sessions: readonly number[],
  rng: Rng,
): { trainLists: TrainList[]; heldOut: { list: TrainList; sessions: number }[] } {
  const clicked = lists.flatMap((l, i) => (l.relevance.some((c) => c > 0) ? [i] : []));
  const cut = Math.max(1, Math.round(clicked.length * 0.1));
  const held = new Set(rng.shuffle([...clicked]).slice(0, cut));
  return {
    trainLists: lists.filter((_, i) => !held.has(i)),
    heldOut: [...held].map((i) => ({ list: lists[i]!, sessions: Math.max(1, sessions[i]!) })),
  };
}

/** The production ranker's top-K of a query: rows and labels in shown order. */
function topK(model: FusionModel, q: LetorQuery, K: number): LetorQuery {
  const F = q.rows.length / q.n;
  const order = argsortDesc(model.forward(q.rows, q.n).scores).slice(0, K);
  const rows = new Float32Array(order.length * F);
  const labels = new Float32Array(order.length);
  order.forEach((i, k) => {
    rows.set(q.rows.subarray(i * F, (i + 1) * F), k * F);
    labels[k] = q.labels[i]!;
  });
  return { qid: q.qid, n: order.length, rows, labels };
}

export { ndcgAt };
