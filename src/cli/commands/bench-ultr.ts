import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { ULTR_DEFAULTS } from '../../../rerankers/letor/ultr-defaults.js';

interface UltrFlags {
  train?: string;
  vali?: string;
  test?: string;
  data?: string;
  runs: string;
  seed: string;
  sessions: string;
  examination?: string;
  clickProbs?: string;
  propensity: string;
  loss: string;
  hidden: string;
  epochs: string;
  syntheticQueries: string;
  out: string;
  json?: boolean;
}

const int = (v: string, name: string, min = 1) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new ChorusError('VALIDATION', `--${name} must be an integer >= ${min}`);
  return n;
};

/** `chorus bench ultr`: unbiased learning to rank from simulated clicks on LETOR data (see ARCHITECTURE "Evaluation"). */
export function registerBenchUltrCommand(program: Command): void {
  const bench =
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('benchmarks that print figures');
  bench
    .command('ultr')
    .description(
      'naive vs IPS vs skyline from position-biased simulated clicks on LETOR/svmlight data (synthetic data when none is given)',
    )
    .option(
      '--train <file>',
      'svmlight/LETOR training file (a LightGBM .query file beside it is used)',
    )
    .option('--vali <file>', 'validation file (early stopping and model choice)')
    .option('--test <file>', 'test file')
    .option('--data <dir>', 'LETOR folder: Fold1..Fold5/{train,vali,test}.txt, or the three files')
    .option('--runs <n>', 'seeds per fold', String(ULTR_DEFAULTS.runs))
    .option('--seed <n>', 'first seed', String(ULTR_DEFAULTS.seed))
    .option('--sessions <n>', 'simulated click sessions per run', String(ULTR_DEFAULTS.sessions))
    .option(
      '--examination <probs>',
      'examination probability by rank, comma-separated',
      ULTR_DEFAULTS.examination.join(','),
    )
    .option(
      '--click-probs <probs>',
      'click probability by grade 0..4, comma-separated',
      ULTR_DEFAULTS.clickByGrade.join(','),
    )
    .option(
      '--propensity <how>',
      "em (estimated from the clicks) or true (the simulator's)",
      ULTR_DEFAULTS.propensity,
    )
    .option('--loss <loss>', 'listwise or pairwise', ULTR_DEFAULTS.loss)
    .option('--hidden <n>', 'MLP hidden units', String(ULTR_DEFAULTS.hidden))
    .option('--epochs <n>', 'maximum epochs', String(ULTR_DEFAULTS.epochs))
    .option(
      '--synthetic-queries <n>',
      'training queries of the synthetic dataset',
      String(ULTR_DEFAULTS.syntheticQueries),
    )
    .option('--out <file>', 'result JSON', 'bench/results/ultr.json')
    .option('--json', 'print the result as JSON')
    .action(async (f: UltrFlags) => {
      const { formatUltrSummary, parseVector, runUltrBench } =
        await import('../../../rerankers/letor/ultr-bench.js');
      if (!['em', 'true'].includes(f.propensity))
        throw new ChorusError('VALIDATION', '--propensity is em or true');
      if (!['listwise', 'pairwise'].includes(f.loss))
        throw new ChorusError('VALIDATION', '--loss is listwise or pairwise');
      const result = runUltrBench({
        train: f.train,
        vali: f.vali,
        test: f.test,
        data: f.data,
        runs: int(f.runs, 'runs'),
        seed: int(f.seed, 'seed', 0),
        sessions: int(f.sessions, 'sessions'),
        examination: parseVector(f.examination ?? '', 'examination'),
        clickByGrade: parseVector(f.clickProbs ?? '', 'click-probs'),
        propensity: f.propensity as 'em' | 'true',
        loss: f.loss as 'listwise' | 'pairwise',
        hidden: int(f.hidden, 'hidden', 0),
        epochs: int(f.epochs, 'epochs'),
        syntheticQueries: int(f.syntheticQueries, 'synthetic-queries', 20),
        out: f.out,
        log: f.json ? undefined : (l) => process.stdout.write(l + '\n'),
      });
      process.stdout.write(
        (f.json ? JSON.stringify(result, null, 2) : formatUltrSummary(result)) + '\n',
      );
    });
}
