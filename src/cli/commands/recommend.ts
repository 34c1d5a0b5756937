import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { configFor } from '../options.js';
import { printRanked } from './result-printer.js';
import { nonNegativeInt, positiveInt } from './search.js';
import { FILTER_FLAG_HELP, readFilterFlag } from '../filter-flag.js';

interface RecommendFlags {
  collection: string;
  item?: string;
  user?: string;
  filter?: string;
  limit?: number;
  offset?: number;
  diversity?: number;
  includeSeen?: boolean;
  /** false with --no-fallback. */
  fallback?: boolean;
  trending?: boolean;
  json?: boolean;
}

/** `chorus recommend [--item ID | --user U] --collection NAME [--trending] [--json]`. */
export function registerRecommendCommand(program: Command): void {
  program
    .command('recommend')
    .description(
      'more-like-this (--item) or per-user (--user) recommendations; neither: the most engaged items (--trending: lately)',
    )
    .requiredOption('--collection <name>', 'collection')
    .option('--item <id>', 'recommend items like this one')
    .option('--user <id>', "recommend from this user's profile")
    .option('--filter <expr>', FILTER_FLAG_HELP)
    .option('--limit <n>', 'results (default 10)', positiveInt('--limit'))
    .option(
      '--offset <n>',
      'ranked hits to skip (the next page: --offset 10)',
      nonNegativeInt('--offset'),
    )
    .option('--diversity <lambda>', 'MMR diversity 0..1', (v) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 1))
        throw new ChorusError('BAD_REQUEST', `--diversity must be in 0..1, got ${v}`);
      return n;
    })
    .option('--include-seen', 'keep items the user already engaged with')
    .option(
      '--no-fallback',
      'a user without a profile gets no hits (default: the most engaged items)',
    )
    .option(
      '--trending',
      'fall back on the items most engaged with lately (each engagement halves every 7 days), not all time',
    )
    .option('--json', 'print the response as JSON')
    .action(async (flags: RecommendFlags, cmd: Command) => {
      if (!flags.item && !flags.user && flags.fallback === false)
        throw new ChorusError('BAD_REQUEST', 'give --item ID or --user ID (or keep the fallback)');
      if (flags.trending && flags.fallback === false)
        throw new ChorusError('BAD_REQUEST', '--trending is a fallback: not with --no-fallback');
      const filter = await readFilterFlag(flags.filter);
      const { buildChorus } = await import('../../app/build.js');
      const chorus = await buildChorus(await configFor(cmd, { logLevel: 'silent' }), {
        encoders: 'none',
      });
      try {
        const r = await chorus.engine.recommend({
          collection: flags.collection,
          itemId: flags.item,
          userId: flags.user,
          filter,
          limit: flags.limit,
          offset: flags.offset,
          diversity: flags.diversity,
          excludeSeen: !flags.includeSeen,
          fallback: flags.fallback === false ? 'none' : flags.trending ? 'trending' : 'popular',
        });
        if (flags.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else printRanked(r, process.stdout, flags.offset);
      } finally {
        await chorus.close();
      }
    });
}
