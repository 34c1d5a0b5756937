import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Records one run in `resultsDir/file` under `key`, keeping the other keys' runs (one entry per size, data set...).
 * A missing or unreadable file starts afresh, as does one `keep` rejects (an older layout).
 */
export function recordRun(
  resultsDir: string,
  file: string,
  key: string,
  run: object,
  keep: (previous: Record<string, unknown>) => boolean = () => true,
): void {
  mkdirSync(resultsDir, { recursive: true });
  const target = path.join(resultsDir, file);
  let runs: Record<string, unknown> = {};
  try {
    const previous = JSON.parse(readFileSync(target, 'utf8')) as Record<string, unknown>;
    if (keep(previous)) runs = previous;
  } catch {
    runs = {};
  }
  runs[key] = { ...run, at: new Date().toISOString() };
  writeFileSync(target, JSON.stringify(runs, null, 2) + '\n');
}
