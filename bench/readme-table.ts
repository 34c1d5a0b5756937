/**
 * Regenerates the benchmark table in README.md from bench/results/*.json (`npm run bench:readme`).
 *   npx tsx bench/readme-table.ts           # rewrite the marked section
 *   npx tsx bench/readme-table.ts --check   # exit 1 when the README's section differs from the results
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadResults, renderTable, replaceSection } from './readme-rows.js';

const root = path.resolve(import.meta.dirname, '..');
const readmeFile = path.join(root, 'README.md');
const readme = readFileSync(readmeFile, 'utf8');
const updated = replaceSection(
  readme,
  renderTable(loadResults(path.join(root, 'bench', 'results'))),
);
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    process.stderr.write(
      'README.md benchmark table is out of date with bench/results/*.json: run npm run bench:readme\n',
    );
    process.exit(1);
  }
  process.stdout.write('README.md benchmark table matches bench/results/*.json\n');
} else if (updated !== readme) {
  writeFileSync(readmeFile, updated);
  process.stdout.write('README.md benchmark table regenerated\n');
} else {
  process.stdout.write('README.md benchmark table already up to date\n');
}
