import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import type { Engine } from '../../engine/engine.js';
import { withEngine } from '../engine-session.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `title=3` -> ['title', 3]; a usage error otherwise. */
function parseWeight(spec: string): [string, number] {
  const m = /^([^=]+)=(\d+)$/.exec(spec.trim());
  if (!m)
    throw new ChorusError('BAD_REQUEST', `--weight takes field=N (e.g. title=3), got "${spec}"`);
  return [m[1]!.trim(), Number(m[2])];
}

const progressLine = (fraction: number) =>
  process.stderr.write(`\rrebuilding BM25 documents: ${Math.round(fraction * 100)}%`);

async function rebuild(e: Engine, collection: string): Promise<void> {
  const r = await e.rebuildLexical(collection, { progress: progressLine });
  process.stderr.write('\n');
  const removed = r.removed > 0 ? `, removed ${r.removed} of items no longer stored` : '';
  process.stdout.write(`rebuilt ${r.documents} BM25 document(s)${removed}\n`);
}

/** After new field weights: rebuild now, or (`--no-rebuild`) say how to. */
export async function rebuildAfterChange(
  e: Engine,
  collection: string,
  now: boolean,
): Promise<void> {
  if (now) return rebuild(e, collection);
  process.stdout.write(
    `stored documents still use the old settings: run chorus lexical rebuild --collection ${collection}\n`,
  );
}

/** `chorus lexical show|set|rebuild --collection C`: BM25 field weights and rebuilding the index from the store. */
export function registerLexicalCommand(program: Command): void {
  const lexical = program
    .command('lexical')
    .description(
      "a collection's BM25 settings (field weights, language) and rebuilding its BM25 documents from the store",
    );
  lexical
    .command('show')
    .description('print the field weights (fields not listed weigh 1) and the language')
    .requiredOption('--collection <name>', 'collection')
    .option('--json', 'print {fieldWeights, language} as JSON')
    .action(async (flags: { collection: string; json?: boolean }, cmd: Command) => {
      const s = await withEngine(cmd, (e) => e.lexicalSettings(flags.collection));
      const lines = Object.entries(s.fieldWeights).map(([f, w]) => `${f}: ${w}\n`);
      process.stdout.write(
        flags.json
          ? JSON.stringify(s, null, 2) + '\n'
          : (lines.join('') || 'every text field weighs 1\n') +
              `language: ${s.language ?? 'english'}\n`,
      );
    });
  lexical
    .command('set')
    .description(
      "replace the field weights (--weight title=3, repeatable; none: all 1) and rebuild the collection's BM25 documents",
    )
    .requiredOption('--collection <name>', 'collection')
    .option('--weight <field=N>', 'a text field and its weight 1-10 (repeatable)', collect)
    .option(
      '--language <name>',
      "the language text is analyzed in: stop words and stemmer (english, french, german, ...; 'none': words only); kept when not given",
    )
    .option('--no-rebuild', 'store the settings only (they apply to documents written from now on)')
    .action(
      async (
        flags: { collection: string; weight?: string[]; language?: string; rebuild: boolean },
        cmd: Command,
      ) => {
        const fieldWeights = Object.fromEntries((flags.weight ?? []).map(parseWeight));
        const { LEXICAL_LANGUAGES, isLexicalLanguage } =
          await import('../../domain/lexical-languages.js');
        if (flags.language !== undefined && !isLexicalLanguage(flags.language))
          throw new ChorusError(
            'BAD_REQUEST',
            `--language "${flags.language}" is not one of ${LEXICAL_LANGUAGES.join(', ')}`,
          );
        const { LexicalSettings } = await import('../../domain/lexical-settings.js');
        await withEngine(cmd, async (e) => {
          const language = flags.language ?? (await e.lexicalSettings(flags.collection)).language;
          const settings = LexicalSettings.parse({ fieldWeights, language });
          const kept = await e.setLexicalSettings(flags.collection, settings);
          const shown = Object.entries(kept.fieldWeights).map(([f, w]) => `${f}=${w}`);
          process.stdout.write(
            `${flags.collection}: field weights ${shown.length ? shown.join(', ') : 'all 1'}; language ${kept.language ?? 'english'}\n`,
          );
          if (kept.rebuildNeeded) await rebuildAfterChange(e, flags.collection, flags.rebuild);
        });
      },
    );
  lexical
    .command('rebuild')
    .description(
      "rewrite the collection's BM25 documents from the store (after a weight change, or to repair a lost lexical index)",
    )
    .requiredOption('--collection <name>', 'collection')
    .action(async (flags: { collection: string }, cmd: Command) => {
      await withEngine(cmd, (e) => rebuild(e, flags.collection));
    });
}
