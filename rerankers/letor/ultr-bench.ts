import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { ChorusError } from '../../src/errors.js';
import { meanCi95 } from '../metrics.js';
import { readLetorFolder, readSvmlightFile, type LetorSplit } from './svmlight.js';
import { generateSyntheticLetor } from './synthetic.js';
import { runUltr, type UltrRun } from './ultr-experiment.js';
import type { UltrBenchOptions } from './ultr-defaults.js';

export { ULTR_DEFAULTS, type UltrBenchOptions } from './ultr-defaults.js';

type Arm = 'production' | 'naive' | 'ips' | 'skyline';
const ARMS: Arm[] = ['production', 'naive', 'ips', 'skyline'];

export interface UltrBenchResult {
  dataset: string;
  /** Which data the run used: the built-in synthetic LETOR generator, or LETOR files (a folder of folds or files). */
  data: { kind: 'synthetic' | 'letor-folder' | 'letor-files'; source: string };
  /** How each arm chose its epoch (the click-trained arms never read labels). */
  earlyStopping: Record<Arm, string>;
  folds: string[];
  options: Omit<UltrBenchOptions, 'log'>;
  runs: (UltrRun & { fold: string })[];
  summary: Record<Arm, { mean: number; lo: number; hi: number; n: number }>;
  ipsOverSkyline: number;
  ipsMinusNaive: number;
  seconds: number;
  /** Load average (1, 5, 15 min) at the end of the run: figures from a busy machine are not comparable. */
  loadAverage: number[];
}

function loadSplits(o: UltrBenchOptions): {
  dataset: string;
  kind: UltrBenchResult['data']['kind'];
  splits: LetorSplit[];
} {
  if (o.data) return { dataset: o.data, kind: 'letor-folder', splits: readLetorFolder(o.data) };
  if (o.train || o.test) {
    if (!o.train || !o.test)
      throw new ChorusError('VALIDATION', 'give both --train and --test (or --data DIR)');
    const train = readSvmlightFile(o.train);
    const F = train.numFeatures;
    return {
      dataset: o.train,
      kind: 'letor-files',
      splits: [
        {
          name: 'files',
          train,
          vali: o.vali ? readSvmlightFile(o.vali, F) : undefined,
          test: readSvmlightFile(o.test, F),
        },
      ],
    };
  }
  const q = o.syntheticQueries ?? 1000;
  return {
    dataset: `synthetic(${q} train queries)`,
    kind: 'synthetic',
    splits: [
      {
        name: 'synthetic',
        train: generateSyntheticLetor({ queries: q, seed: 101 }),
        vali: generateSyntheticLetor({ queries: Math.round(q / 5), seed: 102 }),
        test: generateSyntheticLetor({ queries: Math.round(q / 3), seed: 103 }),
      },
    ],
  };
}

/** Runs every fold x seed and summarises test nDCG@10 per arm with 95% intervals. */
export function runUltrBench(o: UltrBenchOptions): UltrBenchResult {
  const started = performance.now();
  const log = o.log ?? (() => {});
  const { dataset, kind, splits } = loadSplits(o);
  const runs: (UltrRun & { fold: string })[] = [];
  for (const split of splits) {
    for (let r = 0; r < o.runs; r++) {
      const seed = o.seed + r * 1000;
      const run = runUltr(split.train, split.vali, split.test, {
        seed,
        sessions: o.sessions,
        examination: o.examination,
        clickByGrade: o.clickByGrade,
        propensity: o.propensity,
        fit: { loss: o.loss, hidden: o.hidden, epochs: o.epochs },
      });
      runs.push({ ...run, fold: split.name });
      log(
        `${split.name} seed ${seed}: production ${f4(run.production)}  naive ${f4(run.naive)}  IPS ${f4(run.ips)}  skyline ${f4(run.skyline)}  (${run.clicks} clicks; propensities ${run.propensities.map((p) => p.toFixed(2)).join(' ')})`,
      );
    }
  }
  const summary = Object.fromEntries(
    ARMS.map((a) => [a, meanCi95(runs.map((r) => r[a]))]),
  ) as UltrBenchResult['summary'];
  const { log: _log, ...options } = o;
  const result: UltrBenchResult = {
    dataset,
    data: { kind, source: dataset },
    earlyStopping: {
      production: 'labelled validation split (it is the label-trained production ranker)',
      naive:
        'click nDCG (click-through per shown item) on 10% of the clicked training queries, held out',
      ips: 'IPS-corrected click nDCG on the same held-out queries',
      skyline: 'labelled validation split (true-label arm)',
    },
    folds: splits.map((s) => s.name),
    options,
    runs,
    summary,
    ipsOverSkyline: summary.ips.mean / summary.skyline.mean,
    ipsMinusNaive: summary.ips.mean - summary.naive.mean,
    seconds: (performance.now() - started) / 1000,
    loadAverage: loadavg(),
  };
  if (o.out) {
    mkdirSync(path.dirname(o.out), { recursive: true });
    writeFileSync(o.out, JSON.stringify(result, null, 2));
  }
  return result;
}

export function formatUltrSummary(r: UltrBenchResult): string {
  const lines = [
    `ULTR benchmark on ${r.data.kind} data (${r.dataset}): ${r.runs.length} runs (${r.folds.length} fold(s) x ${r.options.runs} seeds), ${r.options.sessions} sessions each, test nDCG@10`,
  ];
  for (const a of ARMS) {
    const s = r.summary[a];
    lines.push(`  ${a.padEnd(10)} ${f4(s.mean)}  95% CI [${f4(s.lo)}, ${f4(s.hi)}]`);
  }
  lines.push(
    `  IPS / skyline = ${r.ipsOverSkyline.toFixed(3)} (target >= 0.97); IPS - naive = ${r.ipsMinusNaive >= 0 ? '+' : ''}${r.ipsMinusNaive.toFixed(4)} (target >= +0.02)`,
  );
  lines.push(`  early stopping: naive/IPS on held-out queries' clicks, never labels`);
  lines.push(`  ${r.seconds.toFixed(1)} s`);
  return lines.join('\n');
}

const f4 = (x: number) => x.toFixed(4);

/** Parses a comma-separated probability vector flag. */
export function parseVector(s: string, name: string): number[] {
  const v = s.split(',').map((x) => Number(x.trim()));
  if (v.length === 0 || v.some((x) => !Number.isFinite(x) || x < 0 || x > 1)) {
    throw new ChorusError('VALIDATION', `--${name} takes comma-separated probabilities in [0, 1]`);
  }
  return v;
}
