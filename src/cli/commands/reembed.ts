import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import type { RuntimeFactories } from '../../indexing/index-runtime.js';
import type { ReembedResult } from '../../jobs/definitions/reembed-collection.js';
import { configFor } from '../options.js';

interface ReembedFlags {
  collection: string;
  target: string;
  json?: boolean;
}

/**
 * `chorus reembed --collection OLD --target NEW`: after a model change, rebuild every item of a collection from its
 * recorded source files with the current encoders, as a `reembed-collection` job (the same job `POST /v1/jobs` runs).
 */
export function registerReembedCommand(program: Command, factories?: RuntimeFactories): void {
  program
    .command('reembed')
    .description(
      'after a model change: re-encode every item of a collection into a new one with the current models',
    )
    .requiredOption('--collection <name>', 'collection built with the old models')
    .requiredOption(
      '--target <name>',
      'new collection for the re-embedded items (created from the current encoders)',
    )
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      '\nExit codes: 0 every item re-embedded, 1 some items failed (listed), 2 bad usage or unknown collection.',
    )
    .action(async (flags: ReembedFlags, cmd: Command) => {
      const { ReembedPayload, reembedCollectionJob } =
        await import('../../jobs/definitions/reembed-collection.js');
      const { openIndexRuntime } = await import('../../indexing/index-runtime.js');
      const { waitForJobs } = await import('../../jobs/wait-for-jobs.js');
      const parsed = ReembedPayload.safeParse({
        collection: flags.collection,
        target: flags.target,
      });
      if (!parsed.success)
        throw new ChorusError('BAD_REQUEST', parsed.error.issues.map((i) => i.message).join('; '));
      const runtime = await openIndexRuntime(
        await configFor(cmd),
        factories ?? (await import('../../indexing/default-factories.js')).defaultRuntimeFactories,
      );
      try {
        await runtime.store.openCollection(flags.collection); // unknown collection: exit 2 before any work
        const jobId = `reembed-cli:${flags.collection}:${flags.target}:${Date.now()}`;
        await runtime.queue.addMany([
          { name: reembedCollectionJob.name, payload: parsed.data, jobId },
        ]);
        await runtime.queue.startWorker({ concurrency: 1 });
        const outcome = (await waitForJobs(runtime.queue, [jobId], { pollMs: 1000 })).get(jobId);
        if (!outcome || outcome.state === 'failed') {
          throw new ChorusError(
            'INTERNAL',
            `re-embed failed: ${outcome?.state === 'failed' ? outcome.reason : 'no outcome'}`,
          );
        }
        const r = outcome.result as ReembedResult;
        if (flags.json)
          process.stdout.write(
            JSON.stringify({ collection: flags.collection, target: flags.target, ...r }) + '\n',
          );
        else {
          process.stdout.write(
            `re-embedded ${r.indexed} items of ${flags.collection} into ${flags.target}; ${r.failed.length} failed\n`,
          );
          for (const f of r.failed) process.stdout.write(`  ${f.id}: ${f.code}: ${f.reason}\n`);
        }
        if (r.failed.length > 0) process.exitCode = 1;
      } finally {
        await runtime.close();
      }
    });
}
