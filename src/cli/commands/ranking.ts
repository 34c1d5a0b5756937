import type { Command } from 'commander';
import type { StoredRanking } from '../../domain/ranking-defaults.js';
import { ChorusError } from '../../errors.js';
import { withEngine } from '../engine-session.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `text=2` -> ['text', 2]; a usage error otherwise. */
function parseWeight(spec: string): [string, number] {
  const m = /^([^=]+)=(\d+(?:\.\d+)?)$/.exec(spec.trim());
  if (!m)
    throw new ChorusError('BAD_REQUEST', `--weight takes list=W (e.g. text=2), got "${spec}"`);
  return [m[1]!.trim(), Number(m[2])];
}

/** A whole number flag, refused by name when it is not one (the schema checks its range). */
function wholeNumber(flag: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v))
      throw new ChorusError('BAD_REQUEST', `${flag} takes a whole number, got "${v}"`);
    return Number(v);
  };
}

/** One line: the collection and its ranking in words (the `settings apply` summary's wording). */
async function describe(collection: string, r: StoredRanking): Promise<string> {
  const { describeRanking } = await import('../../domain/ranking-defaults.js');
  return `${collection}: ${describeRanking(r)}\n`;
}

/**
 * `chorus ranking show|set --collection C`: the fusion preset searches naming no ranker use (the API's
 * GET/PUT /v1/collections/:name/ranking).
 */
export function registerRankingCommand(program: Command): void {
  const ranking = program
    .command('ranking')
    .description(
      "a collection's default ranking: the fusion preset a search naming no ranker uses",
    );
  ranking
    .command('show')
    .description('print the preset the collection defaults to and its settings')
    .requiredOption('--collection <name>', 'collection')
    .option('--json', 'print {preset, fusion, weights, rrfK, candidates} as JSON')
    .action(async (flags: { collection: string; json?: boolean }, cmd: Command) => {
      const r = await withEngine(cmd, (e) => e.ranking(flags.collection));
      process.stdout.write(
        flags.json ? JSON.stringify(r, null, 2) + '\n' : await describe(flags.collection, r),
      );
    });
  ranking
    .command('set')
    .description(
      'apply a preset (--preset alone), save settings as a preset and apply it (--fusion, --weight, ...; named --preset, else after the collection), or --clear',
    )
    .requiredOption('--collection <name>', 'collection')
    .option('--preset <name>', 'the preset to apply, or the name the settings are saved under')
    .option('--fusion <name>', 'rrf, weighted, dbsf, noop or model')
    .option('--weight <list=W>', "a list's weight for weighted fusion (repeatable)", collect)
    .option('--rrf-k <n>', 'the RRF constant k', wholeNumber('--rrf-k'))
    .option('--candidates <n>', 'stage-1 depth per list', wholeNumber('--candidates'))
    .option('--clear', 'go back to the configured defaults')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  chorus ranking set --collection shop --fusion weighted --weight text=2 --weight image=1\n' +
        '  chorus ranking set --collection shop --preset tuned\n' +
        '  chorus ranking set --collection shop --clear\n' +
        '\nExit codes: 0 applied, 1 the store failed, 2 bad settings, no such collection or preset, or a preset name another collection uses with other settings (nothing changed).',
    )
    .action(
      async (
        flags: {
          collection: string;
          preset?: string;
          fusion?: string;
          weight?: string[];
          rrfK?: number;
          candidates?: number;
          clear?: boolean;
        },
        cmd: Command,
      ) => {
        const settings = {
          ...(flags.fusion !== undefined ? { fusion: flags.fusion } : {}),
          ...(flags.weight ? { weights: Object.fromEntries(flags.weight.map(parseWeight)) } : {}),
          ...(flags.rrfK !== undefined ? { rrfK: flags.rrfK } : {}),
          ...(flags.candidates !== undefined ? { candidates: flags.candidates } : {}),
        };
        if (flags.clear && (flags.preset !== undefined || Object.keys(settings).length > 0))
          throw new ChorusError('BAD_REQUEST', '--clear takes no preset or settings beside it');
        if (!flags.clear && flags.preset === undefined && Object.keys(settings).length === 0)
          throw new ChorusError(
            'BAD_REQUEST',
            'say what to apply: --preset, settings (--fusion, --weight, --rrf-k, --candidates) or --clear',
          );
        const { CollectionRanking } = await import('../../domain/ranking-defaults.js');
        const parsed = CollectionRanking.safeParse(
          flags.clear
            ? { preset: null }
            : { ...settings, ...(flags.preset ? { preset: flags.preset } : {}) },
        );
        if (!parsed.success)
          throw new ChorusError(
            'BAD_REQUEST',
            `bad ranking: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ')}`,
          );
        const kept = await withEngine(cmd, (e) => e.setRanking(flags.collection, parsed.data));
        process.stdout.write(await describe(flags.collection, kept));
      },
    );
}
