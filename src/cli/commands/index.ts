import { Option, type Command } from 'commander';
import { ChorusError } from '../../errors.js';
import type { IndexSummary } from '../../indexing/index-run.js';
import type { RuntimeFactories } from '../../indexing/index-runtime.js';
import { configFor } from '../options.js';

interface IndexFlags {
  collection: string;
  concurrency?: number;
  batchSize?: number;
  resume?: boolean;
  json?: boolean;
  progressInterval?: number;
}

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new ChorusError('BAD_REQUEST', `${name} must be a positive integer, got ${v}`);
  return n;
};

/** `chorus index <dir|manifest.jsonl|file.csv> --collection NAME`: bulk indexing through the job queue. */
export function registerIndexCommand(program: Command, factories?: RuntimeFactories): void {
  program
    .command('index')
    .description(
      'index a directory (files grouped by base name), a manifest.jsonl or a .csv into a collection',
    )
    .argument(
      '<input>',
      'directory, manifest.jsonl or .csv (paths inside it are relative to its folder)',
    )
    .requiredOption(
      '--collection <name>',
      'collection to index into (created from the encoders if missing)',
    )
    .option(
      '--concurrency <n>',
      'batches processed at once (default: jobs.concurrency, 2)',
      positiveInt('--concurrency'),
    )
    .option(
      '--batch-size <n>',
      'items per batch job (default: jobs.batchSize, 64)',
      positiveInt('--batch-size'),
    )
    .option('--resume', 'resume the interrupted run for this input (a plain rerun resumes too)')
    .option('--json', 'print the summary as JSON on stdout')
    .addOption(
      new Option('--progress-interval <ms>', 'plain progress line period when not a TTY')
        .argParser(positiveInt('--progress-interval'))
        .hideHelp(),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 all items indexed or unchanged, 1 some items failed (see the error report), 2 bad usage, 130 interrupted (rerun to resume).',
    )
    .action(async (input: string, flags: IndexFlags, cmd: Command) => {
      const { CollectionName } = await import('../../domain/collection.js');
      if (!CollectionName.safeParse(flags.collection).success) {
        throw new ChorusError(
          'BAD_REQUEST',
          `invalid collection name "${flags.collection}": 1-64 letters, digits, _ or -`,
        );
      }
      const { checkInputPath } = await import('../../indexing/discover-input.js');
      const { indexDirectory } = await import('../../indexing/index-run.js');
      const { openIndexRuntime } = await import('../../indexing/index-runtime.js');
      const { createProgressReporter } = await import('../../indexing/progress.js');
      await checkInputPath(input);
      const config = await configFor(cmd);
      const runtime = await openIndexRuntime(
        config,
        factories ?? (await import('../../indexing/default-factories.js')).defaultRuntimeFactories,
      );
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        if (interrupts === 1) {
          process.stderr.write(
            '\nchorus: stopping after the batches in flight (Ctrl-C again to quit now; rerun to resume)\n',
          );
          controller.abort();
        } else process.exit(130);
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const reporter = createProgressReporter({ quiet: false, intervalMs: flags.progressInterval });
      try {
        const summary = await indexDirectory(runtime, {
          input,
          collection: flags.collection,
          concurrency: flags.concurrency ?? config.jobs.concurrency,
          batchSize: flags.batchSize ?? config.jobs.batchSize,
          signal: controller.signal,
          onProgress: (s) => reporter.update(s),
          onStart: (info) => {
            const lines: string[] = [];
            if (info.created)
              lines.push(
                `created collection ${flags.collection} (${runtime.encoders.map((e) => `${e.vectorName}:${e.dim}`).join(', ')})`,
              );
            if (info.resumed) {
              lines.push(`resuming run ${info.runId}`);
              if (runtime.queue.kind === 'bullmq') {
                lines.push(
                  `batches a stopped worker still holds go back to the queue when their lock expires (jobs.lockMs = ${config.jobs.lockMs} ms)`,
                );
              }
            } else if (flags.resume)
              lines.push(
                'nothing to resume for this input; starting a new run (unchanged items are skipped)',
              );
            if (info.ignored.length)
              lines.push(
                `ignored ${info.ignored.length} file(s) of unknown type, e.g. ${info.ignored.slice(0, 3).join(', ')}`,
              );
            lines.push(`${info.total} items, queue: ${runtime.queue.kind}`);
            for (const l of lines) process.stderr.write(`chorus: ${l}\n`);
          },
        });
        reporter.stop();
        printSummary(summary, !!flags.json);
        process.exitCode = summary.interrupted ? 130 : summary.failed > 0 ? 1 : 0;
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
        reporter.stop();
        await runtime.close();
      }
    });
}

function printSummary(s: IndexSummary, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(s) + '\n');
    return;
  }
  const secs = (s.elapsedMs / 1000).toFixed(1);
  const lines = [
    `${s.interrupted ? 'interrupted' : 'done'}: ${s.indexed} indexed, ${s.skipped} skipped (unchanged), ${s.failed} failed of ${s.total} items in ${secs} s (${s.itemsPerSecond.toFixed(1)} items/s)`,
  ];
  if (s.resumedItems > 0)
    lines.push(
      `${s.resumedItems} items were finished by the earlier, interrupted attempt of this run`,
    );
  if (s.errorReport) lines.push(`error report (${s.failed} items): ${s.errorReport}`);
  if (s.interrupted)
    lines.push(
      `rerun the same command (or add --resume) to finish the remaining ${s.total - s.indexed - s.skipped - s.failed} items`,
    );
  process.stdout.write(lines.join('\n') + '\n');
}
