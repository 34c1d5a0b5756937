import type { Command } from 'commander';
import type { QueryReport, QueryStat } from '../../domain/search-analytics.js';
import { withEngine } from '../engine-session.js';
import { positiveInt } from './search.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(title: string, rows: readonly QueryStat[]): string {
  if (rows.length === 0) return `${title}: none\n`;
  const lines = rows.map(
    (q) =>
      `  ${String(q.searches).padStart(8)}  ${String(q.noResults).padStart(9)}  ${pct(q.ctr).padStart(6)}  ${(q.clickPosition === null ? '-' : q.clickPosition.toFixed(1)).padStart(9)}  ${pct(q.conversionRate).padStart(9)}  ${q.query}`,
  );
  return `${title}:\n  searches  no result     ctr  click pos  converted  query\n${lines.join('\n')}\n`;
}

/** The report as the terminal shows it: the totals, then the four lists. */
export function formatQueryReport(collection: string, r: QueryReport): string {
  return (
    `${collection}, last ${r.days} day(s): ${r.searches} text search(es), ${pct(r.noResultRate)} found nothing\n` +
    table('most searched', r.top) +
    table('found nothing', r.noResults) +
    table('no keyword match (vectors alone answered: synonym candidates)', r.noTextMatch) +
    table('lowest click-through (results that miss the intent)', r.lowCtr)
  );
}

/** `chorus analytics queries --collection C`: what people searched and where search failed them. */
export function registerAnalyticsCommand(program: Command): void {
  const analytics = program
    .command('analytics')
    .description('search analytics from the logged searches');
  analytics
    .command('queries')
    .description(
      'the most searched queries, those that found nothing, those no keyword matched and those rarely clicked',
    )
    .requiredOption('--collection <name>', 'collection')
    .option(
      '--days <n>',
      'searches of the last n days (default 30, at most 365)',
      positiveInt('--days'),
    )
    .option('--size <n>', 'queries per list (default 20, at most 100)', positiveInt('--size'))
    .option(
      '--min-searches <n>',
      'searches with results a query needs to be listed among the lowest click-through (default 5)',
      positiveInt('--min-searches'),
    )
    .option('--json', 'print the report as JSON')
    .action(
      async (
        flags: {
          collection: string;
          days?: number;
          size?: number;
          minSearches?: number;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const days = Math.min(flags.days ?? 30, 365);
        const size = Math.min(flags.size ?? 20, 100);
        const report = await withEngine(cmd, (e) =>
          e.queryAnalytics(flags.collection, { days, size, minSearches: flags.minSearches }),
        );
        process.stdout.write(
          flags.json
            ? JSON.stringify(report, null, 2) + '\n'
            : formatQueryReport(flags.collection, report),
        );
      },
    );
}
