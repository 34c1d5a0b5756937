import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { FUSION_NAMES } from '../../domain/fusion-names.js';
import { ChorusError } from '../../errors.js';
import { configFor } from '../options.js';
import { printRanked } from './result-printer.js';

interface SearchFlags {
  collection: string;
  image?: string;
  audio?: string;
  user?: string;
  limit?: number;
  fusion?: string;
  json?: boolean;
}

export function positiveInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new ChorusError('BAD_REQUEST', `${name} must be a positive integer, got ${v}`);
    return n;
  };
}

function readMedia(file: string, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ChorusError('BAD_REQUEST', `cannot read --${what} ${file}: ${(e as Error).message}`);
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
    .option('--limit <n>', 'results (default 10)', positiveInt('--limit'))
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
          limit: flags.limit,
          fusion: flags.fusion,
        });
        if (flags.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else printRanked(r);
      } finally {
        await chorus.close();
      }
    });
}
