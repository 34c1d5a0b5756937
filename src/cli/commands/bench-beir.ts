import path from 'node:path';
import { Option, type Command } from 'commander';
import type { BeirRetriever } from '../../bench/beir-run.js';
import { configFor } from '../options.js';
import { positiveInt } from './search.js';

/** `chorus bench beir --dataset DIR [--retriever bm25|dense|hybrid]`. */
export function registerBenchBeirCommand(program: Command): void {
  const bench =
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('benchmarks that print figures');
  bench
    .command('beir')
    .description(
      'BEIR evaluation: nDCG@10, MRR@10, recall@100 and queries/s on a BEIR-layout folder',
    )
    .requiredOption('--dataset <dir>', 'folder with corpus.jsonl, queries.jsonl, qrels/<split>.tsv')
    .addOption(
      new Option('--retriever <kind>', 'bm25, dense (text model) or hybrid (RRF of both)')
        .choices(['bm25', 'dense', 'hybrid'])
        .default('bm25'),
    )
    .option('--split <name>', 'qrels split', 'test')
    .option('--max-queries <n>', 'only the first N queries', positiveInt('--max-queries'))
    .option('--results-dir <dir>', 'where beir.json is written', 'bench/results')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        flags: {
          dataset: string;
          retriever: BeirRetriever;
          split: string;
          maxQueries?: number;
          resultsDir: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const { runBeir, reportBeir } = await import('../../bench/beir-run.js');
        const log = (line: string) => process.stderr.write(line + '\n');
        let textEncoder;
        let close = async () => {};
        if (flags.retriever !== 'bm25') {
          const config = await configFor(cmd, { models: { enabled: ['text'] } });
          const { createEncoderRegistry } = await import('../../../indexers/registry.js');
          const registry = await createEncoderRegistry(config);
          textEncoder = registry.get('text');
          close = () => registry.close();
          if (!textEncoder)
            log(`no text model available: ${registry.missing.map((m) => m.reason).join('; ')}`);
        }
        try {
          const result = await runBeir({
            dataset: path.resolve(flags.dataset),
            retriever: flags.retriever,
            split: flags.split,
            textEncoder,
            maxQueries: flags.maxQueries,
            log,
          });
          if (flags.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          reportBeir(
            result,
            path.resolve(flags.resultsDir),
            flags.json ? log : (l) => process.stdout.write(l + '\n'),
          );
        } finally {
          await close();
        }
      },
    );
}
