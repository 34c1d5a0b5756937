import type Database from 'better-sqlite3';

/** One batch of a retention pass: events deleted, and whether none older than the cutoff is left at the head. */
export interface PruneBatch {
  deleted: number;
  done: boolean;
}

export function pruneBatch(db: Database.Database, cutoff: number, batch: number): PruneBatch;
