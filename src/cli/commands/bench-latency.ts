import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { positiveInt } from './search.js';

/** This checkout (the A arm of --compare). */
const CHECKOUT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));

function parseJsonObject(flag: string): (v: string) => Record<string, unknown> {
  return (v) => {
    let o: unknown;
    try {
      o = JSON.parse(v);
    } catch (e) {
      throw new ChorusError(
        'BAD_REQUEST',
        `${flag} expects a JSON object: ${(e as Error).message}`,
      );
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o))
      throw new ChorusError('BAD_REQUEST', `${flag} expects a JSON object, got ${v}`);
    return o as Record<string, unknown>;
  };
}

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

/**
 * `chorus bench latency [--n 20000] [--connections 8] [--duration 60] [--rounds 6] [--rate 150]`, and the A/B mode
 * `--data-dir A --compare OTHER_CHECKOUT --compare-data-dir B`.
 */
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
      'measured seconds per kind (raw, API, fixed rate), split over the rounds',
      positiveInt('--duration'),
      // A p99 from 20 s of one kind moved by 10-15 ms from run to run (one stall delays every client at once);
      // six 10 s rounds per kind, pooled, and the spread of the rounds printed beside it.
      60,
    )
    .option(
      '--warmup <s>',
      'warm-up seconds per kind before measuring',
      positiveInt('--warmup'),
      10,
    )
    .option('--rounds <n>', 'raw/API/rate alternations', positiveInt('--rounds'), 6)
    .option(
      '--rate <req/s>',
      'offered req/s of the fixed-rate phase (open loop, latency from each due time; 0: none)',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 100_000)
          throw new ChorusError(
            'BAD_REQUEST',
            `--rate expects a whole number 0..100000 (got ${v})`,
          );
        return n;
      },
      150,
    )
    .option(
      '--compare <checkout>',
      'A/B mode: also serve the same data with the code of this other checkout (its own tsx) and alternate short rounds (needs --data-dir and --compare-data-dir)',
    )
    .option('--compare-data-dir <dir>', "the other checkout's own copy of the --data-dir data")
    .option(
      '--a-config <json>',
      'A/B mode: config overrides for this checkout\'s server, e.g. \'{"limits":{"searchConcurrency":0}}\'',
      parseJsonObject('--a-config'),
    )
    .option(
      '--b-config <json>',
      "A/B mode: config overrides for the other checkout's server",
      parseJsonObject('--b-config'),
    )
    .option(
      '--ab-rounds <n>',
      'A/B mode: rounds, in AB BA AB ... order',
      positiveInt('--ab-rounds'),
      6,
    )
    .option(
      '--round-seconds <s>',
      'A/B mode: seconds of each measured phase',
      positiveInt('--round-seconds'),
      10,
    )
    .option(
      '--ab-phases <kinds>',
      'A/B mode: phases per arm and round, from api,rate,raw',
      (v: string) => {
        const kinds = v.split(',');
        if (kinds.length === 0 || kinds.some((k) => !['api', 'rate', 'raw'].includes(k)))
          throw new ChorusError('BAD_REQUEST', `--ab-phases expects api,rate,raw (got ${v})`);
        return [...new Set(kinds)] as ('api' | 'rate' | 'raw')[];
      },
      ['api', 'rate'],
    )
    .option('--vectors <spec>', 'named vectors name:dim,...', parseDims, {
      text: 384,
      image: 512,
      audio: 512,
    })
    .option(
      '--candidates <k>',
      "stage-1 depth per list (default: the engine's, search.candidatesPerModality)",
      positiveInt('--candidates'),
    )
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
        candidates?: number;
        resultsDir: string;
        json?: boolean;
        dataDir?: string;
        rate: number;
        compare?: string;
        compareDataDir?: string;
        aConfig?: Record<string, unknown>;
        bConfig?: Record<string, unknown>;
        abRounds: number;
        roundSeconds: number;
        abPhases: ('api' | 'rate' | 'raw')[];
      }) => {
        const log = (line: string) => process.stderr.write(line + '\n');
        // Read here, not as the option's default: config.ts pulls zod and yaml onto every CLI start (lazy-cli test).
        const candidates =
          flags.candidates ??
          (await import('../../config.js')).SearchConfig.parse({}).candidatesPerModality;
        if (flags.compare) {
          if (!flags.dataDir || !flags.compareDataDir)
            throw new ChorusError(
              'BAD_REQUEST',
              "--compare needs --data-dir (this checkout's data) and --compare-data-dir (a copy for the other)",
            );
          if (path.resolve(flags.dataDir) === path.resolve(flags.compareDataDir))
            throw new ChorusError('BAD_REQUEST', 'each checkout needs its own data copy');
          const phases = flags.abPhases.filter((k) => k !== 'rate' || flags.rate > 0);
          const { runCompare, reportCompare } = await import('../../bench/latency-compare.js');
          const result = await runCompare({
            a: { root: CHECKOUT, dataDir: path.resolve(flags.dataDir), config: flags.aConfig },
            b: {
              root: path.resolve(flags.compare),
              dataDir: path.resolve(flags.compareDataDir),
              config: flags.bConfig,
            },
            connections: flags.connections,
            rounds: Math.min(flags.abRounds, 40),
            roundSeconds: Math.min(flags.roundSeconds, 120),
            rate: flags.rate,
            phases,
            warmupSeconds: Math.min(flags.warmup, 120),
            candidates,
            limit: 10,
            log,
          });
          if (flags.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          reportCompare(
            result,
            path.resolve(flags.resultsDir),
            flags.json ? log : (l) => process.stdout.write(l + '\n'),
          );
          return;
        }
        const { reportLatency, runLatency } = await import('../../bench/latency-run.js');
        await runLatency({
          n: flags.n,
          connections: flags.connections,
          durationSeconds: Math.min(flags.duration, 600),
          warmupSeconds: Math.min(flags.warmup, 120),
          rounds: Math.min(flags.rounds, 10),
          rate: flags.rate,
          dims: flags.vectors,
          candidates,
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
