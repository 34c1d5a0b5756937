import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { configFor } from '../options.js';

/** `chorus compact`: gives the free pages of the data directory's SQLite files back to the file system. */
export function registerCompactCommand(program: Command): void {
  program
    .command('compact')
    .description(
      "rewrite the data directory's SQLite files (chorus.db, feedback-state.sqlite, lexical.sqlite) without their free pages; the server must be stopped",
    )
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      '\nFor after lowering feedback.retentionDays on a data directory from before files gave pruned pages back on their\n' +
        'own (they do from their first compact on), or after dropping a big collection (its BM25 postings).\n' +
        'Needs free disk space of about twice the live data; an interrupted compact leaves a file as it was.\n\n' +
        'Exit codes: 0 done, 1 a file is open in another process (a running server) or the disk is too full, 2 no\n' +
        'chorus.db in the data directory.',
    )
    .action(async (f: { json?: boolean }, cmd: Command) => {
      const config = await configFor(cmd, { logLevel: 'silent' });
      const { CHORUS_DB_FILE, compactFile } = await import('../../storage/index.js');
      const { FEEDBACK_STATE_FILE } = await import('../../feedback/feedback-state.js');
      const { LEXICAL_FILE } = await import('../../lexical/bm25-index.js');
      const main = path.join(config.dataDir, CHORUS_DB_FILE);
      if (!existsSync(main))
        throw new ChorusError(
          'NOT_FOUND',
          `no ${CHORUS_DB_FILE} in ${config.dataDir}: nothing to compact`,
        );
      const files = [
        main,
        ...[FEEDBACK_STATE_FILE, LEXICAL_FILE].map((n) => path.join(config.dataDir, n)),
      ];
      const results = [];
      for (const file of files.filter((p) => existsSync(p))) {
        if (!f.json) process.stderr.write(`chorus: compacting ${file}\n`);
        results.push(compactFile(file));
      }
      if (f.json) process.stdout.write(JSON.stringify({ files: results }) + '\n');
      else
        for (const r of results)
          process.stdout.write(`${r.file}: ${mb(r.bytesBefore)} MB -> ${mb(r.bytesAfter)} MB\n`);
    });
}

/** Bytes as MB with one decimal, as the CLI's summaries print them. */
export function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
