import path from 'node:path';
import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { positiveInt } from './search.js';

function parseDims(v: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of v.split(',')) {
    const [name, dim] = part.split(':');
    if (
      !name ||
      !/^[a-z][a-z0-9_]*$/.test(name) ||
      !Number.isInteger(Number(dim)) ||
      Number(dim) < 1
    ) {
      throw new ChorusError('BAD_REQUEST', `--vectors expects name:dim,name:dim (got ${v})`);
    }
    out[name] = Number(dim);
  }
  return out;
}

/** `chorus bench latency [--n 20000] [--connections 8] [--duration 15]`. */
export function registerBenchLatencyCommand(program: Command): void {
  const bench =
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('benchmarks that print figures');
  bench
    .command('latency')
    .description(
      'p50/p99 and req/s of /v1/search (text + every vector) under concurrent load from a separate process, alternating with the engine called directly',
    )
    .option(
      '--n <items>',
      'items in the collection (the issue figure: 100000)',
      positiveInt('--n'),
      20_000,
    )
    .option('--connections <n>', 'concurrent clients', positiveInt('--connections'), 8)
    .option(
      '--duration <s>',
      'measured seconds per kind (raw, API), split over the rounds',
      positiveInt('--duration'),
      20,
    )
    .option(
      '--warmup <s>',
      'warm-up seconds per kind before measuring',
      positiveInt('--warmup'),
      10,
    )
    .option('--rounds <n>', 'raw/API alternations', positiveInt('--rounds'), 2)
    .option('--vectors <spec>', 'named vectors name:dim,...', parseDims, {
      text: 384,
      image: 512,
      audio: 512,
    })
    .option('--candidates <k>', 'stage-1 depth per list', positiveInt('--candidates'), 100)
    .option('--results-dir <dir>', 'where latency.json is written', 'bench/results')
    .option('--json', 'print the result as JSON')
    .option(
      '--data-dir <dir>',
      'keep the collection here and reuse it on the next run with the same --n (default: a temp dir)',
    )
    .action(
      async (flags: {
        n: number;
        connections: number;
        duration: number;
        warmup: number;
        rounds: number;
        vectors: Record<string, number>;
        candidates: number;
        resultsDir: string;
        json?: boolean;
        dataDir?: string;
      }) => {
        const { reportLatency, runLatency } = await import('../../bench/latency-run.js');
        const log = (line: string) => process.stderr.write(line + '\n');
        await runLatency({
          n: flags.n,
          connections: flags.connections,
          durationSeconds: Math.min(flags.duration, 600),
          warmupSeconds: Math.min(flags.warmup, 120),
          rounds: Math.min(flags.rounds, 10),
          dims: flags.vectors,
          candidates: flags.candidates,
          limit: 10,
          log,
          dataDir: flags.dataDir ? path.resolve(flags.dataDir) : undefined,
          // Recorded before the store closes: a slow close cannot lose measured figures.
          onResult: (result) => {
            if (flags.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
            reportLatency(
              result,
              path.resolve(flags.resultsDir),
              flags.json ? log : (l) => process.stdout.write(l + '\n'),
            );
          },
        });
      },
    );
}
