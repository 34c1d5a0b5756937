import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/** Backups `chorus backup --into` writes: chorus-<UTC time to the millisecond>, so names sort by age. */
const NAME = /^chorus-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;
/** A `.partial` left this long is a crashed run's, not one still being written. */
const STALE_PARTIAL_MS = 24 * 3_600_000;

/** The directory a new backup goes to under `root`, named for `now`. */
export function timestampedBackupDir(root: string, now = new Date()): string {
  return path.join(root, `chorus-${now.toISOString().replace(/[:.]/g, '-')}`);
}

/**
 * After a backup under `root` succeeded: removes the complete backups (named as timestampedBackupDir writes them,
 * with their BACKUP.json) older than the newest `keep`, and `.partial` copies a crashed run left over a day ago.
 * Anything else in `root` is never touched. Returns the names removed.
 */
export function pruneBackups(root: string, keep: number, now = Date.now()): string[] {
  const entries = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory());
  const complete = entries
    .map((e) => e.name)
    .filter((name) => NAME.test(name) && isFile(path.join(root, name, 'BACKUP.json')))
    .sort()
    .reverse();
  const stale = entries
    .map((e) => e.name)
    .filter(
      (name) =>
        name.endsWith('.partial') &&
        NAME.test(name.slice(0, -'.partial'.length)) &&
        now - statSync(path.join(root, name)).mtimeMs > STALE_PARTIAL_MS,
    );
  const removed = [...complete.slice(keep), ...stale];
  for (const name of removed) rmSync(path.join(root, name), { recursive: true, force: true });
  return removed;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
