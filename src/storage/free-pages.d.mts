import type Database from 'better-sqlite3';

export const RECLAIM_STEP_PAGES: number;

export function reclaimsIncrementally(db: Database.Database): boolean;

export interface ReclaimOptions {
  /** Pages per step (default RECLAIM_STEP_PAGES). */
  pages?: number;
  /** Share of one core the pass may use, in (0, 1] (default 1: no pause between steps). */
  duty?: number;
  stopped?: () => boolean;
}

export function reclaimFreePages(db: Database.Database, o?: ReclaimOptions): Promise<number>;
