import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { configFor } from '../options.js';

const TYPES = ['impression', 'click', 'dwell', 'like', 'purchase', 'skip'] as const;
type EventType = (typeof TYPES)[number];

interface ExportFlags {
  out: string;
  collection?: string;
  since?: string;
  until?: string;
  type?: string[];
  clientOnly?: boolean;
  features?: boolean;
}

/** An ISO date or date-time as epoch ms, or a usage error naming the flag. */
function instant(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new ChorusError('BAD_REQUEST', `${flag} takes an ISO date or date-time, got "${text}"`);
  return ms;
}

/**
 * `chorus feedback export --out FILE`: the event log as JSON Lines, one event per line as POST /v1/feedback takes
 * it, oldest first (for analysis, or to move client events: `feedback import` reads them back).
 */
export function registerFeedbackExport(feedback: Command): void {
  feedback
    .command('export')
    .description(
      'write the logged events as JSON Lines, oldest first (what `feedback import` reads)',
    )
    .requiredOption('--out <file>', 'JSONL file to write (written aside, renamed when complete)')
    .option('--collection <name>', 'only this collection')
    .option('--since <date>', 'only events at or after this ISO date or date-time')
    .option('--until <date>', 'only events before this ISO date or date-time')
    .option(
      '--type <type>',
      `only this event type (repeatable: ${TYPES.join(', ')})`,
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--client-only',
      "only events clients sent (the engine's own impressions, ids imp_..., are reserved: import refuses them)",
    )
    .option('--features', "keep impressions' feature rows (large; left out by default)")
    .addHelpText('after', '\nExit codes: 0 done, 2 bad usage.')
    .action(async (f: ExportFlags, cmd: Command) => {
      const bad = f.type?.find((t) => !(TYPES as readonly string[]).includes(t));
      if (bad !== undefined)
        throw new ChorusError('BAD_REQUEST', `--type ${bad}: one of ${TYPES.join(', ')}`);
      const from = instant('--since', f.since);
      const to = instant('--until', f.until);
      const config = await configFor(cmd, { logLevel: 'silent' });
      const { openChorusDb } = await import('../../storage/index.js');
      const db = openChorusDb(config.dataDir);
      const tmp = `${f.out}.partial`;
      let fd: number | undefined = openSync(tmp, 'w');
      let written = 0;
      try {
        for (const { event, origin } of db.events.iterate({
          collection: f.collection,
          from,
          to,
          types: f.type as EventType[] | undefined,
        })) {
          if (f.clientOnly && origin !== 'client') continue;
          const line =
            !f.features && event.type === 'impression' && event.features
              ? { ...event, features: undefined }
              : event;
          writeSync(fd, JSON.stringify(line) + '\n');
          written++;
        }
        closeSync(fd);
        fd = undefined;
        renameSync(tmp, f.out);
      } catch (e) {
        if (fd !== undefined) closeSync(fd);
        rmSync(tmp, { force: true });
        throw e;
      } finally {
        db.close();
      }
      process.stdout.write(`exported ${written} events to ${f.out}\n`);
    });
}
