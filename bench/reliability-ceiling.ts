/**
 * How much is there to gain from weighting the modalities per query, beyond weights tuned per query kind?
 *
 * `bench/multimodal.ts --oracles` reports a per-query oracle: the best weights for each held-out query chosen by
 * that query's own true grades. That picks the luckiest of ~100 weight sets on one sample, so it measures selection
 * noise as much as headroom. This bench asks the question out of sample instead, with true grades and no clicks:
 * each family is fitted per kind on the training intents' grades and judged on held-out intents.
 *
 * - `kind`: weights per kind over the sources' min-max normalised scores (the tuned arm's family and grid).
 * - `level`: the same, each source's weight scaled by e^{beta (level - mean level)}, level = the list's best raw
 *   cosine (a query-performance predictor: a noisy query vector sits far from every item), beta from a grid per kind.
 * - `sharpness`: the same scaled by the list's sharpness, (max - mean) / sd of its scores (a query feature the
 *   learned model's gate already reads), in place of the level.
 * - `raw`: weights per kind over raw cosines (the level enters through the scores themselves).
 * - `in-sample per query`: the oracle above, for comparison.
 * - `clicks: kind`, `clicks: level`: the kind and level families fitted instead on simulated clicks of the training
 *   intents (the default ranker's RRF top 10, position-based clicks as bench/multimodal's, counterfactual clicks of
 *   the shown lists reordered, with the true propensities): what the same question looks like from click data.
 *
 * Data: the synthetic vector world of bench/multimodal (rerankers/simulation/vector-world.ts), exact top-K lists
 * per vector (no ANN, no engine: this bounds what any ranker over these lists could learn, it times nothing).
 *   npx tsx bench/reliability-ceiling.ts [--seeds 5] [--spreads 0.5,1] [--train-intents 240] [--test-intents 120]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { meanCi95 } from '../rerankers/metrics.js';
import { Rng } from '../rerankers/random.js';
import {
  VectorWorldGen,
  type Intent,
  type IntentKind,
  type VectorName,
} from '../rerankers/simulation/vector-world.js';

const { values: a } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    spreads: { type: 'string', default: '0.5,1' },
    'train-intents': { type: 'string', default: '240' },
    'test-intents': { type: 'string', default: '120' },
    // Query draws per intent (fresh query noise each, as sessions of one intent get).
    samples: { type: 'string', default: '3' },
    depth: { type: 'string', default: '100' },
    // Click sessions per training intent for the click-fitted families (0: true grades only).
    'sessions-per-intent': { type: 'string', default: '10' },
    out: { type: 'string', default: 'bench/results/reliability-ceiling.json' },
  },
});
const positive = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1`);
  return n;
};
const SEEDS = positive('seeds', a.seeds);
const TRAIN = positive('train-intents', a['train-intents']);
const TEST = positive('test-intents', a['test-intents']);
const SAMPLES = positive('samples', a.samples);
const DEPTH = positive('depth', a.depth);
const SESSIONS = Number(a['sessions-per-intent']);
if (!Number.isInteger(SESSIONS) || SESSIONS < 0)
  throw new Error('--sessions-per-intent must be a whole number >= 0');
const SPREADS = a.spreads.split(',').map(Number);
if (SPREADS.some((s) => !Number.isFinite(s) || s < 0))
  throw new Error('--spreads must be numbers >= 0, comma-separated');

/** Which vectors a query of each kind sends (vector-world.ts BASE_NOISE). */
const SENT: Record<IntentKind, VectorName[]> = {
  text: ['text', 'image', 'audio'],
  image: ['image', 'text'],
  audio: ['audio', 'text'],
};
const KINDS: IntentKind[] = ['text', 'image', 'audio'];
const GRID = [0, 0.25, 0.5, 1, 2];
const BETAS = [0, 2, 4, 8, 16, 32];

interface QueryLists {
  kind: IntentKind;
  /** Per sent vector: item index -> raw cosine, the exact top DEPTH. */
  lists: [VectorName, Map<number, number>][];
  /** Per sent vector: the list's best raw cosine, and its sharpness as the feature rows have it. */
  level: Partial<Record<VectorName, number>>;
  sharpness: Partial<Record<VectorName, number>>;
  grades: Float64Array;
  idealDcg: number;
}

const dcg = (gains: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < gains.length; i++) s += (2 ** gains[i]! - 1) / Math.log2(i + 2);
  return s;
};

function queryLists(
  gen: VectorWorldGen,
  intents: readonly Intent[],
  rng: Rng,
  draws = SAMPLES,
): QueryLists[] {
  const items = gen.world.items;
  const out: QueryLists[] = [];
  for (const intent of intents) {
    const grades = Float64Array.from(items, (it) => intent.grades.get(it.id) ?? 0);
    const idealDcg = dcg([...grades].sort((x, y) => y - x).slice(0, 10));
    for (let r = 0; r < draws; r++) {
      const q = gen.queryVectors(intent, rng);
      const lists: QueryLists['lists'] = [];
      const level: QueryLists['level'] = {};
      const sharpness: QueryLists['sharpness'] = {};
      for (const m of SENT[intent.kind]) {
        const v = q[m]!;
        const scored: [number, number][] = [];
        items.forEach((it, i) => {
          const w = it.vectors[m];
          if (w) scored.push([i, w.reduce((acc, y, j) => acc + y * v[j]!, 0)]);
        });
        scored.sort((x, y) => y[1] - x[1]);
        lists.push([m, new Map(scored.slice(0, DEPTH))]);
        level[m] = scored[0]![1];
        sharpness[m] = sharpnessOf(scored.slice(0, DEPTH).map(([, x]) => x));
      }
      out.push({ kind: intent.kind, lists, level, sharpness, grades, idealDcg });
    }
  }
  return out;
}

/** (max - mean) / sd of a list's scores, capped at 5 and divided by 5 (rerankers/features/context.ts). */
function sharpnessOf(scores: readonly number[]): number {
  const mean = scores.reduce((x, y) => x + y, 0) / scores.length;
  const sd = Math.sqrt(scores.reduce((x, y) => x + (y - mean) ** 2, 0) / scores.length);
  return sd > 0 ? Math.min(5, (Math.max(...scores) - mean) / sd) / 5 : 0;
}

type Signal = 'level' | 'sharpness';
type Centers = Record<Signal, Partial<Record<VectorName, number>>>;

interface Rule {
  weights: Partial<Record<VectorName, number>>;
  beta: number;
  /** The query signal the weights are scaled by (beta 0: none). */
  by: Signal;
  raw: boolean;
}

/** Each candidate's fused score under a rule (min-max normalised per list, or raw). */
function fuse(q: QueryLists, rule: Rule, center: Centers): Map<number, number> {
  const fused = new Map<number, number>();
  for (const [m, list] of q.lists) {
    const w =
      (rule.weights[m] ?? 0) *
      (rule.beta === 0 ? 1 : Math.exp(rule.beta * (q[rule.by][m]! - (center[rule.by][m] ?? 0))));
    if (w === 0) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of list.values()) [lo, hi] = [Math.min(lo, s), Math.max(hi, s)];
    for (const [i, s] of list) {
      const x = rule.raw ? s : hi > lo ? (s - lo) / (hi - lo) : 1;
      fused.set(i, (fused.get(i) ?? 0) + w * x);
    }
  }
  return fused;
}

function ndcg10(q: QueryLists, rule: Rule, center: Centers): number {
  const top = [...fuse(q, rule, center).entries()]
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, 10);
  return dcg(top.map(([i]) => q.grades[i]!)) / q.idealDcg;
}

/** One simulated session: the RRF top 10 it was shown (k = 60, the default ranker) and the positions clicked. */
interface Session {
  q: QueryLists;
  shown: number[];
  clicked: number[];
}
const ATTRACT = [0.03, 0.15, 0.35, 0.65, 0.9];

function simulateSession(q: QueryLists, rng: Rng): Session {
  const rrf = new Map<number, number>();
  for (const [, list] of q.lists)
    [...list.keys()].forEach((i, r) => rrf.set(i, (rrf.get(i) ?? 0) + 1 / (60 + r + 1)));
  const shown = [...rrf.entries()]
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, 10)
    .map(([i]) => i);
  // Position-based clicks, examination 1 / (rank + 1) (bench/multimodal's pbm).
  const clicked = shown.flatMap((i, k) =>
    rng.next() < ATTRACT[q.grades[i]!]! / (k + 1) ? [k] : [],
  );
  return { q, shown, clicked };
}

/** Counterfactual clicks of reordering a session's shown list by a rule (position-based IPS, true propensities). */
function ipsClicks(sn: Session, rule: Rule, center: Centers): number {
  if (sn.clicked.length === 0) return 0;
  const fused = fuse(sn.q, rule, center);
  const order = sn.shown
    .map((i, k) => ({ k, s: fused.get(i) ?? 0 }))
    .sort((x, y) => y.s - x.s || x.k - y.k);
  const newPos = new Array<number>(order.length);
  order.forEach((o, p) => (newPos[o.k] = p));
  return sn.clicked.reduce((v, k) => v + (k + 1) / (newPos[k]! + 1), 0);
}

function weightSets(kind: IntentKind): Partial<Record<VectorName, number>>[] {
  const sent = SENT[kind];
  const out: Partial<Record<VectorName, number>>[] = [];
  const rec = (i: number, w: Partial<Record<VectorName, number>>) => {
    if (i === sent.length) {
      if (Object.values(w).some((x) => x > 0)) out.push(w);
      return;
    }
    for (const g of GRID) rec(i + 1, { ...w, [sent[i]!]: g });
  };
  rec(0, {});
  return out;
}

const FAMILIES = [
  'kind',
  'level',
  'sharpness',
  'raw',
  'in-sample per query',
  'clicks: kind',
  'clicks: level',
] as const;
type Family = (typeof FAMILIES)[number];

/** Held-out mean nDCG@10 of each family, fitted per kind on the training queries. */
function runSeed(seed: number, spread: number): Record<Family, number> & { chosen: unknown } {
  const gen = new VectorWorldGen({
    items: 1500,
    topics: 40,
    dim: 16,
    seed,
    reliabilitySpread: spread,
  });
  const train = queryLists(gen, gen.intents(TRAIN, seed * 100 + 1, 'train'), new Rng(seed * 7 + 1));
  const test = queryLists(gen, gen.intents(TEST, seed * 100 + 2, 'test'), new Rng(seed * 7 + 2));
  const clickRng = new Rng(seed * 7 + 3);
  const sessions = queryLists(
    gen,
    gen.intents(TRAIN, seed * 100 + 1, 'train'),
    new Rng(seed * 7 + 4),
    SESSIONS,
  ).map((q) => simulateSession(q, clickRng));
  const sums = Object.fromEntries(FAMILIES.map((f) => [f, 0])) as Record<Family, number>;
  const chosen: Record<string, unknown> = {};
  for (const kind of KINDS) {
    const fit = train.filter((q) => q.kind === kind);
    const judge = test.filter((q) => q.kind === kind);
    const center: Centers = { level: {}, sharpness: {} };
    for (const by of ['level', 'sharpness'] as const)
      for (const m of SENT[kind])
        center[by][m] = fit.reduce((s, q) => s + q[by][m]!, 0) / fit.length;
    const mean = (qs: readonly QueryLists[], rule: Rule) =>
      qs.reduce((s, q) => s + ndcg10(q, rule, center), 0) / qs.length;
    const fitted = ['kind', 'level', 'sharpness', 'raw'] as const;
    const none: Rule = { weights: {}, beta: 0, by: 'level', raw: false };
    const best = Object.fromEntries(fitted.map((f) => [f, { value: -1, rule: none }])) as Record<
      (typeof fitted)[number],
      { value: number; rule: Rule }
    >;
    const consider = (f: (typeof fitted)[number], rule: Rule, value: number) => {
      if (value > best[f].value) best[f] = { value, rule };
    };
    const sets = weightSets(kind);
    for (const weights of sets) {
      const plain = mean(fit, { weights, beta: 0, by: 'level', raw: false });
      consider('kind', { weights, beta: 0, by: 'level', raw: false }, plain);
      for (const by of ['level', 'sharpness'] as const)
        for (const beta of BETAS) {
          const rule = { weights, beta, by, raw: false };
          consider(by, rule, beta === 0 ? plain : mean(fit, rule));
        }
      const rawRule = { weights, beta: 0, by: 'level' as const, raw: true };
      consider('raw', rawRule, mean(fit, rawRule));
    }
    // The same two families fitted on the training intents' clicks instead of their grades.
    const logged = sessions.filter((sn) => sn.q.kind === kind);
    const clickCenter: Centers = { level: {}, sharpness: {} };
    for (const m of SENT[kind])
      clickCenter.level[m] = logged.reduce((x, sn) => x + sn.q.level[m]!, 0) / logged.length;
    const ips = (rule: Rule) => logged.reduce((x, sn) => x + ipsClicks(sn, rule, clickCenter), 0);
    let byClicks = { kind: { value: -1, rule: none }, level: { value: -1, rule: none } };
    for (const weights of sets)
      for (const beta of BETAS) {
        const rule: Rule = { weights, beta, by: 'level', raw: false };
        const v = ips(rule);
        if (beta === 0 && v > byClicks.kind.value)
          byClicks = { ...byClicks, kind: { value: v, rule } };
        if (v > byClicks.level.value) byClicks = { ...byClicks, level: { value: v, rule } };
      }
    const judgeBy = (rule: Rule) => judge.reduce((x, q) => x + ndcg10(q, rule, clickCenter), 0);
    sums['clicks: kind'] += judgeBy(byClicks.kind.rule);
    sums['clicks: level'] += judgeBy(byClicks.level.rule);
    for (const f of fitted) sums[f] += mean(judge, best[f].rule) * judge.length;
    for (const q of judge)
      sums['in-sample per query'] += Math.max(
        ...sets.map((weights) => ndcg10(q, { weights, beta: 0, by: 'level', raw: false }, center)),
      );
    chosen[kind] = {
      ...Object.fromEntries(
        fitted.map((f) => [f, { weights: best[f].rule.weights, beta: best[f].rule.beta }]),
      ),
      'clicks: kind': { weights: byClicks.kind.rule.weights },
      'clicks: level': { weights: byClicks.level.rule.weights, beta: byClicks.level.rule.beta },
    };
  }
  return {
    ...(Object.fromEntries(FAMILIES.map((f) => [f, sums[f] / test.length])) as Record<
      Family,
      number
    >),
    chosen,
  };
}

const started = performance.now();
const before = loadavg();
const worlds: Record<string, unknown> = {};
for (const spread of SPREADS) {
  const runs: (ReturnType<typeof runSeed> & { seed: number })[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = runSeed(seed, spread);
    runs.push({ seed, ...r });
    process.stdout.write(
      `spread ${spread} seed ${seed}: ${FAMILIES.map((f) => `${f} ${r[f].toFixed(4)}`).join(', ')}\n`,
    );
  }
  const results = Object.fromEntries(FAMILIES.map((f) => [f, meanCi95(runs.map((r) => r[f]))]));
  // Each family against its own baseline: the grade-fitted ones against weights per kind fitted on grades, the
  // click-fitted level rule against weights per kind fitted on the same clicks.
  const pairs: [string, Family, Family][] = [
    ['level', 'level', 'kind'],
    ['sharpness', 'sharpness', 'kind'],
    ['raw', 'raw', 'kind'],
    ['in-sample per query', 'in-sample per query', 'kind'],
    ['clicks: level', 'clicks: level', 'clicks: kind'],
    ['clicks: kind vs grades', 'clicks: kind', 'kind'],
  ];
  const minusKind = Object.fromEntries(
    pairs.map(([name, f, base]) => [name, meanCi95(runs.map((r) => r[f] - r[base]))]),
  );
  for (const [f, d] of Object.entries(minusKind))
    process.stdout.write(
      `spread ${spread}: ${f} - baseline ${d.mean.toFixed(4)} [${d.lo.toFixed(4)}, ${d.hi.toFixed(4)}]\n`,
    );
  worlds[String(spread)] = { results, minusKind, runs };
}
const out = {
  data: `synthetic vector world (rerankers/simulation/vector-world.ts), 1,500 items, exact top ${DEPTH} per vector, true grades, ${TRAIN} training / ${TEST} held-out intents x ${SAMPLES} query draws, ${SEEDS} seeds`,
  question:
    'nDCG@10 on held-out intents of families fitted per query kind on training intents (true grades): what per-query weighting could add over weights tuned per kind',
  options: { seeds: SEEDS, trainIntents: TRAIN, testIntents: TEST, samples: SAMPLES, depth: DEPTH },
  worlds,
  loadAverage: { before, after: loadavg() },
  seconds: (performance.now() - started) / 1000,
};
mkdirSync(path.dirname(a.out), { recursive: true });
writeFileSync(a.out, JSON.stringify(out, null, 2) + '\n');
process.stdout.write(`wrote ${a.out}\n`);
