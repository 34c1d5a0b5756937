import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { FUSION_NAMES } from '../../domain/fusion-names.js';
import { ChorusError } from '../../errors.js';
import { parseSortKey, type SortKey } from '../../domain/sort-keys.js';
import { configFor } from '../options.js';
import { printRanked } from './result-printer.js';
import {
  FACET_FILTER_FLAG_HELP,
  FILTER_FLAG_HELP,
  readFacetFilterFlags,
  readFilterFlag,
} from '../filter-flag.js';

interface SearchFlags {
  collection: string;
  image?: string;
  audio?: string;
  user?: string;
  filter?: string;
  limit?: number;
  offset?: number;
  facet?: string[];
  facetFilter?: string[];
  collapse?: string;
  sort?: SortKey[];
  fusion?: string;
  prefix?: boolean;
  snippet?: number;
  json?: boolean;
}

/** A flag's integer parser: at least `min`, else a usage error (exit 2) naming the flag. */
function intAtLeast(min: number, name: string, what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new ChorusError('BAD_REQUEST', `${name} must be ${what}, got ${v}`);
    return n;
  };
}

export const positiveInt = (name: string) => intAtLeast(1, name, 'a positive integer');
export const nonNegativeInt = (name: string) => intAtLeast(0, name, 'an integer >= 0');

function readMedia(file: string, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ChorusError('BAD_REQUEST', `cannot read --${what} ${file}: ${(e as Error).message}`);
  }
}

/** `--sort price:desc` (order defaults to asc) or `place@48.86,2.35`; repeated flags add keys in order. */
function sortKey(v: string, prev: SortKey[] = []): SortKey[] {
  try {
    return [...prev, parseSortKey(v)];
  } catch {
    throw new ChorusError(
      'BAD_REQUEST',
      `--sort expects FIELD, FIELD:asc|desc or FIELD@LAT,LON (nearest first), got ${v}`,
    );
  }
}

/** `chorus search "<text>" | --image F | --audio F --collection NAME [--user U] [--json]`. */
export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description('two-stage search from the command line (text, image or audio query)')
    .argument('[text]', 'text query')
    .requiredOption('--collection <name>', 'collection to search')
    .option('--image <file>', 'image query')
    .option('--audio <file>', 'audio query')
    .option('--user <id>', 'personalise for this user')
    .option('--filter <expr>', FILTER_FLAG_HELP)
    .option('--limit <n>', 'results (default 10)', positiveInt('--limit'))
    .option(
      '--offset <n>',
      'ranked hits to skip (the next page: --offset 10)',
      nonNegativeInt('--offset'),
    )
    .option(
      '--facet <field>',
      "count this payload field's values over the candidates (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--facet-filter <field=value>',
      FACET_FILTER_FLAG_HELP,
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--sort <field[:order]>',
      'order the candidates by this payload field, asc (default) or desc, or FIELD@LAT,LON by distance, ties by relevance (repeatable)',
      sortKey,
    )
    .option('--collapse <field>', 'keep only the best hit per value of this payload field')
    .option('--prefix', 'the last word may be unfinished: also match the words it begins')
    .option(
      '--snippet <chars>',
      'print the best window of each matched text field (20-2000 characters), matches in [brackets]',
      positiveInt('--snippet'),
    )
    // The API's list: an unknown name is refused (exit 2), never silently served by RRF.
    .addOption(new Option('--fusion <name>', 'stage-2 ranker').choices(FUSION_NAMES))
    .option('--json', 'print the response as JSON')
    .action(async (text: string | undefined, flags: SearchFlags, cmd: Command) => {
      if (!text && !flags.image && !flags.audio)
        throw new ChorusError('BAD_REQUEST', 'give a text query, --image FILE or --audio FILE');
      const query = {
        text,
        image: flags.image ? readMedia(flags.image, 'image') : undefined,
        audio: flags.audio ? readMedia(flags.audio, 'audio') : undefined,
      };
      const filter = await readFilterFlag(flags.filter);
      const facetFilters = await readFacetFilterFlags(flags.facetFilter);
      const { attachModelServing } = await import('../../app/model-serving.js');
      const { buildChorus } = await import('../../app/build.js');
      // The learned reranker is wired so `--fusion model` (and the default) serve the promoted model.
      const chorus = await buildChorus(await configFor(cmd, { logLevel: 'silent' }), {
        extraRouters: (deps, built) => attachModelServing(deps, built),
      });
      try {
        const r = await chorus.engine.search({
          collection: flags.collection,
          query,
          userId: flags.user,
          filter,
          limit: flags.limit,
          offset: flags.offset,
          facets: flags.facet,
          facetFilters,
          sort: flags.sort,
          collapse: flags.collapse,
          fusion: flags.fusion,
          prefix: flags.prefix,
          snippet: flags.snippet,
        });
        if (flags.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else printRanked(r, process.stdout, flags.offset);
      } finally {
        await chorus.close();
      }
    });
}
