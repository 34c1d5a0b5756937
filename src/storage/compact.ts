import { statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ChorusError } from '../errors.js';
import { reclaimsIncrementally } from './free-pages.mjs';

/** What compacting one file did. */
export interface CompactResult {
  file: string;
  bytesBefore: number;
  bytesAfter: number;
  /** The file gave free pages back only through VACUUM before (created before incremental auto-vacuum). */
  converted: boolean;
}

/** Bytes of a file's pages that are free (deleted rows), which a VACUUM or reclaimFreePages gives back. */
export function freeBytes(db: Database.Database): number {
  const pages = db.pragma('freelist_count', { simple: true }) as number;
  return pages * (db.pragma('page_size', { simple: true }) as number);
}

/**
 * Rewrites a SQLite file without its free pages (VACUUM) and switches it to incremental auto-vacuum, so later
 * retention passes give pages back on their own. VACUUM is atomic: a crash part way leaves the file as it was.
 *
 * It needs the file to itself: with `locking_mode = EXCLUSIVE` the first transaction fails at once when another
 * connection (a running server, another command) has the file open, and holds every other one off until the end;
 * a server would otherwise see its writes wait, then fail, for the whole rewrite. It also needs free disk space
 * for a copy of the live pages twice over (the temporary copy, then the WAL): checked before starting.
 */
export function compactFile(file: string): CompactResult {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    try {
      db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
      throw new ChorusError(
        'CONFLICT',
        `${file} is open in another process (a running server?): stop it, then compact`,
        { file },
      );
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytesBefore = statSync(file).size;
    const live = bytesBefore - freeBytes(db);
    const fs = statfsSync(path.dirname(file));
    const available = fs.bavail * fs.bsize;
    if (available < 2 * live)
      throw new ChorusError(
        'CONFLICT',
        `compacting ${file} needs about ${mb(2 * live)} MB of free disk space; ${mb(available)} MB are free`,
        { file, needBytes: 2 * live, freeBytes: available },
      );
    const converted = !reclaimsIncrementally(db);
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { file, bytesBefore, bytesAfter: statSync(file).size, converted };
  } finally {
    db.close();
  }
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
