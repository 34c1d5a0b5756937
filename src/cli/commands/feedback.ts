import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { configFor } from '../options.js';
import { mb } from './compact.js';
import { registerFeedbackExport } from './feedback-export.js';
import { positiveInt } from './search.js';

interface ImportFlags {
  format?: 'jsonl' | 'csv';
  batch: number;
  errors?: string;
  json?: boolean;
}

/** `chorus feedback import FILE`: bulk-load logged events through the same validation and ingest as POST /v1/feedback. */
export function registerFeedbackCommand(program: Command): void {
  const feedback = program.command('feedback').description('bulk feedback events');
  feedback
    .command('import')
    .description(
      'import impressions, clicks, dwell, likes, purchases and skips from JSON Lines or CSV (idempotent on eventId)',
    )
    .argument(
      '<file>',
      '.jsonl (one event per line, as POST /v1/feedback) or .csv (header: type,eventId,collection,userId,queryId,itemId,timestamp,dwellMs,position,items with items as id1|id2|...)',
    )
    .addOption(
      new Option('--format <format>', 'input format (default: from the extension)').choices([
        'jsonl',
        'csv',
      ]),
    )
    .option('--batch <n>', 'events per write', positiveInt('--batch'), 500)
    .option(
      '--errors <file>',
      'error report (JSON Lines: line, eventId, reason; default FILE.errors.jsonl)',
    )
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 every event imported (or already there), 1 some lines rejected (see the error report), 2 bad usage or unreadable file.',
    )
    .action(async (file: string, f: ImportFlags, cmd: Command) => {
      const format =
        f.format ??
        (file.endsWith('.csv')
          ? 'csv'
          : file.endsWith('.jsonl') || file.endsWith('.ndjson')
            ? 'jsonl'
            : undefined);
      if (!format)
        throw new ChorusError(
          'BAD_REQUEST',
          `cannot tell the format of ${file}: use --format jsonl|csv`,
        );
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new ChorusError('BAD_REQUEST', `cannot read ${file}: ${(e as Error).message}`);
      }
      const { importFeedback } = await import('../../feedback/import/import-events.js');
      const { buildChorus } = await import('../../app/build.js');
      const chorus = await buildChorus(await configFor(cmd, { logLevel: 'silent' }), {
        encoders: 'none',
      });
      try {
        const s = await importFeedback(chorus.engine, text, format, {
          batch: f.batch,
          onProgress: (p) =>
            process.stderr.write(
              `chorus: ${p.done} lines read, ${p.accepted} imported, ${p.rejected.length} rejected\n`,
            ),
        });
        const report = f.errors ?? `${file}.errors.jsonl`;
        if (s.rejected.length)
          writeFileSync(report, s.rejected.map((r) => JSON.stringify(r)).join('\n') + '\n');
        const summary = {
          file,
          format,
          lines: s.done,
          accepted: s.accepted,
          duplicates: s.duplicates,
          rejected: s.rejected.length,
          ...(s.rejected.length ? { errorReport: report } : {}),
        };
        if (f.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else {
          process.stdout.write(
            `imported ${s.accepted} events (${s.duplicates} already there), rejected ${s.rejected.length} of ${s.done} lines\n`,
          );
          if (s.rejected.length) process.stdout.write(`error report: ${report}\n`);
        }
        process.exitCode = s.rejected.length ? 1 : 0;
      } finally {
        await chorus.close();
      }
    });

  registerFeedbackExport(feedback);

  feedback
    .command('prune')
    .description(
      'delete the events received more than N days ago and forget the applied ids of client events as old (the server does this every hour with feedback.retentionDays)',
    )
    .option(
      '--older-than-days <n>',
      'days to keep (default: feedback.retentionDays)',
      positiveInt('--older-than-days'),
    )
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 bad usage (nothing to prune with a retention of 0).',
    )
    .action(async (f: { olderThanDays?: number; json?: boolean }, cmd: Command) => {
      const config = await configFor(cmd, { logLevel: 'silent' });
      const days = f.olderThanDays ?? config.feedback.retentionDays;
      if (days === 0)
        throw new ChorusError(
          'BAD_REQUEST',
          'feedback.retentionDays is 0 (keep every event): pass --older-than-days N to prune anyway',
        );
      const { DAY_MS } = await import('../../storage/event-retention.js');
      const cutoff = Date.now() - days * DAY_MS;
      const { freeBytes, openChorusDb } = await import('../../storage/index.js');
      const db = openChorusDb(config.dataDir);
      try {
        // A first pass over a big log runs for minutes: a line every few seconds says it is moving.
        let shown = Date.now();
        const deleted = await db.events.pruneReceivedBefore(cutoff, {
          onBatch: (n) => {
            if (Date.now() - shown < 5_000) return;
            shown = Date.now();
            process.stderr.write(`chorus: ${n} events deleted so far\n`);
          },
        });
        const { FEEDBACK_STATE_FILE, FeedbackState } =
          await import('../../feedback/feedback-state.js');
        const stateFile = path.join(config.dataDir, FEEDBACK_STATE_FILE);
        let forgotten = 0;
        let reclaimed = await db.events.reclaimFreePages();
        if (existsSync(stateFile)) {
          const state = new FeedbackState(stateFile);
          try {
            forgotten = await state.pruneAppliedBefore(cutoff);
            reclaimed += await state.reclaimFreePages();
          } finally {
            state.close();
          }
        }
        // Left free in a file from before incremental auto-vacuum: only `chorus compact` gives it back.
        const stillFree = freeBytes(db.raw);
        const summary = {
          deleted,
          appliedIdsForgotten: forgotten,
          bytesReclaimed: reclaimed,
          bytesFreeInFile: stillFree,
          receivedBefore: new Date(cutoff).toISOString(),
          days,
        };
        if (f.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else {
          process.stdout.write(
            `deleted ${deleted} events received before ${summary.receivedBefore} (kept ${days} days); forgot ${forgotten} applied event ids; gave ${mb(reclaimed)} MB back to the file system\n`,
          );
          if (stillFree >= COMPACT_HINT_BYTES)
            process.stdout.write(
              `${mb(stillFree)} MB inside ${db.file} are free but stay allocated (a file from before this version): stop the server and run \`chorus compact\` to give them back\n`,
            );
        }
      } finally {
        db.close();
      }
    });
}

/** Free space in a file worth a hint to compact it (smaller amounts are reused by new events soon anyway). */
const COMPACT_HINT_BYTES = 64 * 1024 * 1024;
