import { renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readSettingsFile, withEngine } from '../engine-session.js';
import { rebuildAfterChange } from './lexical.js';

/**
 * `chorus settings show|apply --collection C`: a collection's synonyms, curations, BM25 settings, suggestion
 * exclusions and default ranking as one JSON document, to copy relevance tuning to another collection or deployment.
 */
export function registerSettingsCommand(program: Command): void {
  const settings = program
    .command('settings')
    .description(
      "a collection's relevance settings (synonyms, curations, BM25 settings, suggestion exclusions, default ranking) as one JSON document",
    );
  settings
    .command('show')
    .description('print the settings document (what `apply --file` reads)')
    .requiredOption('--collection <name>', 'collection')
    .option(
      '--out <file>',
      'write it to this file instead (written aside, then renamed into place)',
    )
    .action(async (flags: { collection: string; out?: string }, cmd: Command) => {
      const doc = await withEngine(cmd, (e) => e.settings(flags.collection));
      const text = JSON.stringify(doc, null, 2) + '\n';
      if (!flags.out) return void process.stdout.write(text);
      writeFileSync(`${flags.out}.partial`, text);
      renameSync(`${flags.out}.partial`, flags.out);
      process.stdout.write(`wrote the settings of ${flags.collection} to ${flags.out}\n`);
    });
  settings
    .command('apply')
    .description(
      "replace the parts of the collection's settings a document has (the others are kept), then rebuild BM25 if the weights changed",
    )
    .requiredOption('--collection <name>', 'collection')
    .requiredOption('--file <path>', 'settings document (JSON, as `show` writes it)')
    .option(
      '--no-rebuild',
      'store new field weights only (they apply to documents written from now on)',
    )
    .addHelpText(
      'after',
      '\nExample (staging to production):\n' +
        '  chorus settings show --collection shop --out shop.settings.json\n' +
        '  CHORUS_DATA_DIR=/srv/prod chorus settings apply --collection shop --file shop.settings.json\n' +
        '\nExit codes: 0 applied, 1 the store failed, 2 a bad document or no such collection (nothing changed).',
    )
    .action(async (flags: { collection: string; file: string; rebuild: boolean }, cmd: Command) => {
      const { parseCollectionSettingsFile, describeCollectionSettings } =
        await import('../../domain/collection-settings-file.js');
      const doc = parseCollectionSettingsFile(readSettingsFile(flags.file));
      await withEngine(cmd, async (e) => {
        const kept = await e.setSettings(flags.collection, doc);
        const applied = describeCollectionSettings({
          synonyms: doc.synonyms && kept.synonyms,
          curations: doc.curations && kept.curations,
          lexical: doc.lexical && kept.lexical,
          suggestions: doc.suggestions && kept.suggestions,
          ranking: doc.ranking && kept.ranking,
        });
        process.stdout.write(
          `${flags.collection}: ${applied.length ? 'replaced' : 'nothing to replace (the document has no part)'}\n` +
            applied.map((line) => `  ${line}\n`).join(''),
        );
        if (kept.missing?.length)
          process.stdout.write(
            `curated ids not in the collection (yet): ${kept.missing.join(', ')}\n`,
          );
        if (kept.rebuildNeeded) await rebuildAfterChange(e, flags.collection, flags.rebuild);
      });
    });
}
