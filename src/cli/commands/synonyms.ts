import type { Command } from 'commander';
import type { SynonymSet } from '../../domain/synonyms.js';
import { readSettingsFile, withEngine } from '../engine-session.js';

const summary = (collection: string, s: SynonymSet) =>
  `${collection}: ${s.groups.length} synonym group(s), ${s.rules.length} one-way rule(s)\n`;

/** `chorus synonyms show|set|clear --collection C`: a collection's synonyms, in Solr's file format. */
export function registerSynonymsCommand(program: Command): void {
  const synonyms = program
    .command('synonyms')
    .description(
      "a collection's synonyms for text queries (Solr file format: `a, b, c` per group, `a => b` one-way)",
    );
  synonyms
    .command('show')
    .description('print the synonyms (the format `set --file` reads)')
    .requiredOption('--collection <name>', 'collection')
    .option('--json', 'print {groups, rules} as JSON')
    .action(async (flags: { collection: string; json?: boolean }, cmd: Command) => {
      const { formatSynonymsFile } = await import('../../domain/synonyms-file.js');
      const set = await withEngine(cmd, (e) => e.synonyms(flags.collection));
      process.stdout.write(
        flags.json ? JSON.stringify(set, null, 2) + '\n' : formatSynonymsFile(set),
      );
    });
  synonyms
    .command('set')
    .description("replace the collection's synonyms with a file's (Solr format; # comments)")
    .requiredOption('--collection <name>', 'collection')
    .requiredOption('--file <path>', 'synonyms file')
    .action(async (flags: { collection: string; file: string }, cmd: Command) => {
      const { parseSynonymsFile } = await import('../../domain/synonyms-file.js');
      const set = parseSynonymsFile(readSettingsFile(flags.file));
      const kept = await withEngine(cmd, (e) => e.setSynonyms(flags.collection, set));
      process.stdout.write(summary(flags.collection, kept));
    });
  synonyms
    .command('clear')
    .description("remove the collection's synonyms")
    .requiredOption('--collection <name>', 'collection')
    .action(async (flags: { collection: string }, cmd: Command) => {
      const kept = await withEngine(cmd, (e) =>
        e.setSynonyms(flags.collection, { groups: [], rules: [] }),
      );
      process.stdout.write(summary(flags.collection, kept));
    });
}
