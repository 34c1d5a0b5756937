// The events writer thread (src/storage/events-writer.ts): inserts the rows the main thread validated and built,
// on its own connection to chorus.db, one IMMEDIATE transaction per batch with the same fsync (synchronous=FULL).
// Any row already stored (INSERT OR IGNORE changed nothing) rolls the batch back and answers `duplicate`: the main
// thread then appends the batch itself, with EventsRepo's duplicate and conflict rules.
// Retention passes (`prune`, then `reclaim` of the pages it freed) run here too, in batches with the inserts that
// arrive meanwhile in between.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { prunePass } from './event-prune.mjs';
import { reclaimFreePages } from './free-pages.mjs';

const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
const insert = db.prepare(workerData.sql);
const DUPLICATE = new Error('duplicate');
const write = db.transaction((rows) => {
  for (const row of rows) {
    // Structured clone hands Buffers over as Uint8Arrays: bind them as Buffers (BLOBs) again.
    const blob = row.featureRows;
    if (blob) row.featureRows = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    if (insert.run(row).changes === 0) throw DUPLICATE;
  }
  return rows.length;
});

/** Set by a `cancelPrune` message: the running pass stops after its current batch (shutdown). */
let cancelled = false;

/**
 * Runs one background pass (retention deletes, or giving the pages they freed back) and answers its count; inserts
 * that arrive meanwhile run between its steps. A `cancelPrune` message stops it after its current step.
 */
async function runPass(id, pass) {
  cancelled = false;
  try {
    const count = await pass(() => cancelled);
    parentPort.postMessage({ id, count, cancelled });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e?.message ?? e) });
  }
}

parentPort.on('message', ({ id, rows, prune: pass, reclaim: pages, cancelPrune }) => {
  if (cancelPrune) {
    cancelled = true;
    return;
  }
  if (pass) {
    const { cutoff, batch, duty } = pass;
    void runPass(id, (stopped) => prunePass(db, cutoff, { batch, duty, stopped }));
    return;
  }
  if (pages) {
    void runPass(id, (stopped) => reclaimFreePages(db, { duty: pages.duty, stopped }));
    return;
  }
  try {
    parentPort.postMessage({ id, inserted: write.immediate(rows) });
  } catch (e) {
    parentPort.postMessage(
      e === DUPLICATE ? { id, duplicate: true } : { id, error: String(e?.message ?? e) },
    );
  }
});
