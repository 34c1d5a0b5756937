// Giving a SQLite file's free pages back to the file system (auto_vacuum = INCREMENTAL), shared by this thread's
// connections and the events writer thread (events-writer-worker.mjs loads it without a TypeScript loader, hence
// plain JS; types in free-pages.d.mts). Deleting rows only puts their pages on the file's free list: without this
// a log pruned after lowering its retention stays as big as it ever was.
import { afterStep, withoutOwnFsync } from './background-steps.mjs';

/** SQLite's code for auto_vacuum = INCREMENTAL. */
const INCREMENTAL = 2;

/**
 * Pages one step moves to the end of the file and truncates (4 KiB pages: 256 KiB). Each step is a write transaction
 * other writers wait for, and its cost is per page moved (each one's parent B-tree page is rewritten): on a 100k-item
 * bench log (1.6 GB, events with seven indexes) ~80 us per page, so a step of 64 takes ~4 ms at the median (p99 ~21
 * ms, with a WAL checkpoint), about one retention batch; steps of 256 took 16 ms (p99 46).
 */
export const RECLAIM_STEP_PAGES = 64;

/** Whether the file gives free pages back without a VACUUM (created with auto_vacuum = INCREMENTAL). */
export function reclaimsIncrementally(db) {
  return db.pragma('auto_vacuum', { simple: true }) === INCREMENTAL;
}

/**
 * Gives the file's free pages back, `pages` per step with a turn of the event loop after each (and a pause that keeps
 * the pass to `duty` of one core), until none is free or `stopped()` says so. Resolves with the bytes given back; 0
 * for a file created before incremental auto-vacuum (a VACUUM converts it: `chorus compact`). The file
 * itself shrinks at the next checkpoint of the WAL.
 */
export async function reclaimFreePages(
  db,
  { pages = RECLAIM_STEP_PAGES, duty = 1, stopped = () => false } = {},
) {
  if (!reclaimsIncrementally(db)) return 0;
  const pageSize = db.pragma('page_size', { simple: true });
  let freed = 0;
  for (;;) {
    const before = db.pragma('freelist_count', { simple: true });
    if (before === 0 || stopped()) return freed * pageSize;
    const t = performance.now();
    // A step lost to a power cut leaves the pages free for the next pass.
    withoutOwnFsync(db, () => db.pragma(`incremental_vacuum(${pages})`));
    const after = db.pragma('freelist_count', { simple: true });
    // Another writer can reuse free pages meanwhile; a step that moved nothing ends the pass rather than spin.
    if (after >= before) return freed * pageSize;
    freed += before - after;
    await afterStep(t, duty);
  }
}
