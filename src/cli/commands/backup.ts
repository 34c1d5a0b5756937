import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { configFor } from '../options.js';

/** `chorus backup --out DIR`: a consistent copy of the data directory, taken while a server may be writing. */
export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description(
      'copy the data directory consistently while a server may be writing to it (SQLite online backup, LanceDB versions), then verify the copy',
    )
    .option('--out <dir>', 'a new (or empty) directory outside the data directory')
    .option(
      '--into <dir>',
      'a directory of backups (outside the data directory): this one goes into a new chorus-<UTC time> directory there',
    )
    .option(
      '--keep <n>',
      'with --into: after this backup succeeds, keep the newest n backups there and remove the older ones',
      (v: string) => {
        if (!/^\d+$/.test(v) || Number(v) < 1)
          throw new ChorusError(
            'BAD_REQUEST',
            `--keep takes a whole number of at least 1, got "${v}"`,
          );
        return Number(v);
      },
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nRestore: stop Chorus, use the backup directory as the data directory (or copy it into place), start Chorus.' +
        '\nWith CHORUS_STORE=qdrant the vectors are in Qdrant: take a Qdrant snapshot as well.' +
        '\n\nScheduled (cron, nightly at 03:00, a week kept):\n' +
        '  0 3 * * * cd /srv/chorus && npx chorus backup --into /backups/chorus --keep 7' +
        '\n\nExit codes: 0 done, 1 the copy failed (nothing is left under --out, no older backup is removed), 2 bad usage.',
    )
    .action(
      async (
        flags: { out?: string; into?: string; keep?: number; json?: boolean },
        cmd: Command,
      ) => {
        if ((flags.out === undefined) === (flags.into === undefined))
          throw new ChorusError(
            'BAD_REQUEST',
            'name where the backup goes: --out DIR or --into DIR',
          );
        if (flags.keep !== undefined && flags.into === undefined)
          throw new ChorusError('BAD_REQUEST', '--keep goes with --into (the backups it rotates)');
        const config = await configFor(cmd, { logLevel: 'silent' });
        const rotation = await import('../../app/backup-rotation.js');
        const out = flags.out ?? rotation.timestampedBackupDir(flags.into!);
        const { backupDataDir } = await import('../../app/backup.js');
        const { storeBackend } = await import('../../config.js');
        const backend = storeBackend(config);
        const report = await backupDataDir(config.dataDir, out, {
          storeBackend: backend,
          say: (line) => process.stderr.write(`chorus: ${line}\n`),
        });
        // Older backups go only once this one is complete and verified.
        const removed =
          flags.into && flags.keep !== undefined
            ? rotation.pruneBackups(flags.into, flags.keep)
            : [];
        if (flags.json)
          return void process.stdout.write(
            JSON.stringify({ ...report, out, ...(flags.into ? { removed } : {}) }, null, 2) + '\n',
          );
        const mb = (report.bytes / 1e6).toFixed(1);
        process.stdout.write(
          `backed up ${config.dataDir} to ${out} (${mb} MB)\n` +
            report.collections
              .map(
                (c) =>
                  `  ${c.name}: ${c.items} items, ${c.lexicalDocuments} BM25 documents${c.lexicalRebuilt ? ' (rebuilt in the copy)' : ''}\n`,
              )
              .join('') +
            (backend === 'qdrant'
              ? '  vectors are in Qdrant: take a Qdrant snapshot as well\n'
              : '') +
            (removed.length
              ? `removed ${removed.length} older backup(s): ${removed.join(', ')}\n`
              : ''),
        );
      },
    );
}
