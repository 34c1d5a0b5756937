import type { Command } from 'commander';
import type { ModelRegistry } from '../../model-registry/registry.js';
import { configFor } from '../options.js';

/** `chorus models list|promote|rollback`: the model registry (a running server picks promotions up by itself). */
export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('list, promote and roll back fusion reranker versions');
  const withRegistry = async <T>(
    cmd: Command,
    fn: (r: ModelRegistry) => Promise<T> | T,
  ): Promise<T> => {
    const { ModelRegistry } = await import('../../model-registry/registry.js');
    const { openChorusDb } = await import('../../storage/index.js');
    const config = await configFor(cmd);
    const db = openChorusDb(config.dataDir);
    try {
      return await fn(
        new ModelRegistry({
          db,
          dataDir: config.dataDir,
          executionProviders: config.executionProviders,
        }),
      );
    } finally {
      db.close();
    }
  };
  models
    .command('list')
    .description('versions with status, training span and validation metrics')
    .option('--collection <name>', 'only this collection')
    .option('--json', 'JSON output')
    .action(async (f: { collection?: string; json?: boolean }, cmd: Command) => {
      const list = await withRegistry(cmd, (r) => r.list(f.collection));
      if (f.json) return void process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      if (!list.length)
        return void process.stdout.write('no models yet: chorus train --collection NAME\n');
      for (const m of list) {
        const ndcg =
          typeof m.metrics.validationNdcg10 === 'number'
            ? m.metrics.validationNdcg10.toFixed(4)
            : '-';
        const span = m.trainedFrom
          ? `${new Date(m.trainedFrom).toISOString()} .. ${new Date(m.trainedTo ?? 0).toISOString()}`
          : '-';
        process.stdout.write(
          `${m.collection}\t${m.version}\t${m.status}\tnDCG@10 ${ndcg}\t${span}\n`,
        );
      }
    });
  models
    .command('promote <version>')
    .description(
      'serve this version if it beats the serving ranker on held-out queries (the promotion guard)',
    )
    .requiredOption('--collection <name>', 'collection')
    .option('--force', 'promote even if the guard refuses (recorded in the history)')
    .action(async (version: string, f: { collection: string; force?: boolean }, cmd: Command) => {
      const r = await withRegistry(cmd, (reg) =>
        reg.promote(f.collection, version, { force: f.force === true }),
      );
      const c = r.comparison;
      process.stdout.write(
        `${f.collection}: promoted ${version}${r.previous ? ` (was ${r.previous})` : ''}${r.forced ? ' (forced past the guard)' : ''}; ` +
          `held-out ${c.metric} candidate ${c.candidate.estimate.toFixed(4)} vs serving ${c.serving.version ?? c.serving.ranker} ${c.serving.estimate.toFixed(4)}\n`,
      );
    });
  models
    .command('rollback')
    .description('return to the previously promoted version (or baseline fusion)')
    .requiredOption('--collection <name>', 'collection')
    .action(async (f: { collection: string }, cmd: Command) => {
      const r = await withRegistry(cmd, (reg) => reg.rollback(f.collection));
      process.stdout.write(
        `${f.collection}: rolled back ${r.from} -> ${r.to ?? 'baseline fusion'}\n`,
      );
    });
}
