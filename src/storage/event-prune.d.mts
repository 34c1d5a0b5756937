import type Database from 'better-sqlite3';

/** One batch of a retention pass: events deleted, and whether none older than the cutoff is left at the head. */
export interface PruneBatch {
  deleted: number;
  done: boolean;
}

export function pruneBatch(db: Database.Database, cutoff: number, batch: number): PruneBatch;

export interface PrunePassOptions {
  batch: number;
  /** Share of one core the pass may use, in (0, 1] (default 1: no pause between batches). */
  duty?: number;
  stopped?: () => boolean;
  onBatch?: (deletedSoFar: number) => void;
}

export function prunePass(
  db: Database.Database,
  cutoff: number,
  o: PrunePassOptions,
): Promise<number>;
