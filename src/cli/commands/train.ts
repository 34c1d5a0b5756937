import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { configFor } from '../options.js';

interface TrainFlags {
  collection: string;
  version?: string;
  loss: string;
  hidden?: string;
  epochs?: string;
  lr?: string;
  ipsClip?: string;
  gateTemperature?: string;
  search: string;
  trials?: string;
  seed?: string;
  promote?: boolean;
  json?: boolean;
}

const num = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new ChorusError('VALIDATION', `--${name} must be a non-negative number`);
  return n;
};

/** `chorus train --collection NAME`: fit the fusion reranker on the collection's logged feedback. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'fit the fusion reranker on the logged feedback (IPS-corrected clicks) and register a candidate version',
    )
    .requiredOption('--collection <name>', 'collection whose impressions and clicks to train on')
    .option('--version <v>', 'version name (default: next vN)')
    .option('--loss <loss>', 'listwise or pairwise', 'listwise')
    .option('--hidden <n>', 'MLP hidden units')
    .option('--epochs <n>', 'maximum epochs (early stopping on validation nDCG)')
    .option('--lr <x>', 'learning rate')
    .option('--ips-clip <x>', 'IPS weight clip')
    .option('--gate-temperature <x>', 'softmax temperature of the modality gate')
    .option('--search <mode>', 'hyperparameter search: none, grid or random', 'none')
    .option('--trials <n>', 'random-search trials')
    .option('--seed <n>', 'random seed')
    .option(
      '--promote',
      'promote the new version at once if it beats the serving ranker on held-out queries',
    )
    .option('--json', 'print the registered version as JSON')
    .action(async (f: TrainFlags, cmd: Command) => {
      if (!['listwise', 'pairwise'].includes(f.loss))
        throw new ChorusError('VALIDATION', '--loss is listwise or pairwise');
      if (!['none', 'grid', 'random'].includes(f.search))
        throw new ChorusError('VALIDATION', '--search is none, grid or random');
      const { ModelRegistry } = await import('../../model-registry/registry.js');
      const { openChorusDb } = await import('../../storage/index.js');
      const config = await configFor(cmd);
      const db = openChorusDb(config.dataDir);
      try {
        const registry = new ModelRegistry({
          db,
          dataDir: config.dataDir,
          executionProviders: config.executionProviders,
        });
        const rec = registry.train({
          collection: f.collection,
          version: f.version,
          loss: f.loss as 'listwise' | 'pairwise',
          hidden: num(f.hidden, 'hidden'),
          epochs: num(f.epochs, 'epochs'),
          lr: num(f.lr, 'lr'),
          ipsClip: num(f.ipsClip, 'ips-clip'),
          gateTemperature: num(f.gateTemperature, 'gate-temperature'),
          search: f.search as 'none' | 'grid' | 'random',
          trials: num(f.trials, 'trials'),
          seed: num(f.seed, 'seed'),
        });
        // Through the promotion guard: a refused candidate stays registered; the refusal (exit 1) says why.
        if (f.promote) await registry.promote(rec.collection, rec.version);
        const out = registry.get(rec.collection, rec.version);
        if (f.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        else {
          const m = out.metrics as {
            validationNdcg10: number;
            trainLists: number;
            validationLists: number;
            propensitySource: string;
            propensityNote?: string;
            counterfactual: { loggedCtr: number; ips: number; snips: number };
          };
          process.stdout.write(
            `${out.collection}/${out.version} (${out.status}): validation nDCG@10 ${m.validationNdcg10.toFixed(4)}; ` +
              `${m.trainLists} train / ${m.validationLists} validation lists; propensities from ${m.propensitySource}; ` +
              `clicks/impression logged ${m.counterfactual.loggedCtr.toFixed(3)}, IPS ${m.counterfactual.ips.toFixed(3)}, SNIPS ${m.counterfactual.snips.toFixed(3)}\n`,
          );
          if (m.propensityNote) process.stdout.write(`note: ${m.propensityNote}\n`);
        }
      } finally {
        db.close();
      }
    });
}
