import type { Command } from 'commander';
import type { CurationSet } from '../../domain/curations.js';
import { readSettingsFile, withEngine } from '../engine-session.js';

const summary = (collection: string, s: CurationSet & { missing?: string[] }) =>
  `${collection}: ${s.rules.length} curation rule(s)\n` +
  (s.missing?.length ? `not in the collection (yet): ${s.missing.join(', ')}\n` : '');

/** `chorus curations show|set|clear --collection C`: items promoted or hidden for given queries. */
export function registerCurationsCommand(program: Command): void {
  const curations = program
    .command('curations')
    .description(
      "a collection's curation rules: items promoted first or hidden for given queries (`query:`, `match:`, `promote:`, `hide:` lines)",
    );
  curations
    .command('show')
    .description('print the rules (the format `set --file` reads)')
    .requiredOption('--collection <name>', 'collection')
    .option('--json', 'print {rules} as JSON')
    .action(async (flags: { collection: string; json?: boolean }, cmd: Command) => {
      const { formatCurationsFile } = await import('../../domain/curations-file.js');
      const set = await withEngine(cmd, (e) => e.curations(flags.collection));
      process.stdout.write(
        flags.json ? JSON.stringify(set, null, 2) + '\n' : formatCurationsFile(set),
      );
    });
  curations
    .command('set')
    .description(
      "replace the collection's rules with a file's (a .json file holds {rules}; # comments)",
    )
    .requiredOption('--collection <name>', 'collection')
    .requiredOption('--file <path>', 'rules file')
    .action(async (flags: { collection: string; file: string }, cmd: Command) => {
      const { curationsFromFile } = await import('../../domain/curations-file.js');
      const set = curationsFromFile(readSettingsFile(flags.file), flags.file.endsWith('.json'));
      const kept = await withEngine(cmd, (e) => e.setCurations(flags.collection, set));
      process.stdout.write(summary(flags.collection, kept));
    });
  curations
    .command('clear')
    .description("remove the collection's rules")
    .requiredOption('--collection <name>', 'collection')
    .action(async (flags: { collection: string }, cmd: Command) => {
      const kept = await withEngine(cmd, (e) => e.setCurations(flags.collection, { rules: [] }));
      process.stdout.write(summary(flags.collection, kept));
    });
}
