import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';

interface IndexBenchFlags {
  modelDir: string;
  corpus: string;
  items: string;
  repeats: string;
  intraOpThreads: string;
  threading: boolean;
  out: string;
  json?: boolean;
}

const int = (v: string, name: string, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new ChorusError('VALIDATION', `--${name} must be an integer >= ${min}`);
  return n;
};

/** `chorus bench index`: indexer items/s per modality beside the raw ONNX Runtime rate of the same model. */
export function registerBenchIndexCommand(program: Command): void {
  const bench =
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('benchmarks that print figures');
  bench
    .command('index')
    .description(
      'indexing items/s per modality vs the raw onnxruntime-node session rate of the same model and batch size',
    )
    .option('--model-dir <dir>', 'folder with the chorus-test fixture models', 'fixtures/models')
    .option('--corpus <dir>', 'items to encode (.txt, .jpg, .wav)', 'fixtures/corpus')
    .option('--items <n>', 'items per modality', '64')
    .option('--repeats <n>', 'timed repeats (the median is reported)', '3')
    .option('--intra-op-threads <n>', 'ONNX Runtime intra-op threads (0: one per core)', '0')
    .option('--no-threading', 'skip the threading comparison')
    .option('--out <file>', 'result JSON', 'bench/results/index.json')
    .option('--json', 'print the result as JSON')
    .action(async (f: IndexBenchFlags) => {
      const { runIndexBench } = await import('../../bench/index-bench.js');
      const result = await runIndexBench({
        modelDir: path.resolve(f.modelDir),
        corpusDir: path.resolve(f.corpus),
        items: int(f.items, 'items', 1),
        repeats: int(f.repeats, 'repeats', 1),
        intraOpThreads: int(f.intraOpThreads, 'intra-op-threads', 0),
        threading: f.threading,
        log: f.json ? undefined : (line) => console.log(line),
      });
      mkdirSync(path.dirname(path.resolve(f.out)), { recursive: true });
      writeFileSync(path.resolve(f.out), JSON.stringify(result, null, 2) + '\n');
      if (f.json) console.log(JSON.stringify(result, null, 2));
      else console.log(`wrote ${f.out}`);
    });
}
