import type { Command } from 'commander';
import { configFor } from '../options.js';

/** `chorus backup --out DIR`: a consistent copy of the data directory, taken while a server may be writing. */
export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description(
      'copy the data directory consistently while a server may be writing to it (SQLite online backup, LanceDB versions), then verify the copy',
    )
    .requiredOption('--out <dir>', 'a new (or empty) directory outside the data directory')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nRestore: stop Chorus, use the backup directory as the data directory (or copy it into place), start Chorus.' +
        '\nWith CHORUS_STORE=qdrant the vectors are in Qdrant: take a Qdrant snapshot as well.' +
        '\n\nExit codes: 0 done, 1 the copy failed (nothing is left under --out), 2 bad usage.',
    )
    .action(async (flags: { out: string; json?: boolean }, cmd: Command) => {
      const config = await configFor(cmd, { logLevel: 'silent' });
      const { backupDataDir } = await import('../../app/backup.js');
      const { storeBackend } = await import('../../config.js');
      const backend = storeBackend(config);
      const report = await backupDataDir(config.dataDir, flags.out, {
        storeBackend: backend,
        say: (line) => process.stderr.write(`chorus: ${line}\n`),
      });
      if (flags.json) return void process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      const mb = (report.bytes / 1e6).toFixed(1);
      process.stdout.write(
        `backed up ${config.dataDir} to ${flags.out} (${mb} MB)\n` +
          report.collections
            .map(
              (c) =>
                `  ${c.name}: ${c.items} items, ${c.lexicalDocuments} BM25 documents${c.lexicalRebuilt ? ' (rebuilt in the copy)' : ''}\n`,
            )
            .join('') +
          (backend === 'qdrant' ? '  vectors are in Qdrant: take a Qdrant snapshot as well\n' : ''),
      );
    });
}
