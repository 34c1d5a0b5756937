// Deleting the oldest events (retention), shared by EventsRepo (this thread) and the events writer thread
// (events-writer-worker.mjs loads it without a TypeScript loader, hence plain JS; types in event-prune.d.mts).
import { afterStep, withoutOwnFsync } from './background-steps.mjs';

/** Prepared statements per connection (a pass runs many batches). */
const statements = new WeakMap();

function prepared(db) {
  let s = statements.get(db);
  if (!s) {
    s = {
      head: db.prepare('SELECT seq, received_at FROM events ORDER BY seq LIMIT ?').raw(),
      drop: db.prepare('DELETE FROM events WHERE seq <= ?'),
    };
    statements.set(db, s);
  }
  return s;
}

/**
 * Deletes at most `batch` events from the head of the log (lowest seq first) while they were received before
 * `cutoff` (epoch ms). The log is in arrival order, so the old events are its head: no index on the arrival time is
 * needed, and the delete is a range of the primary key. The first event received at or after the cutoff ends the
 * pass, even if an older one follows it (two writers' clocks a millisecond apart): nothing newer than the cutoff is
 * ever deleted. `done`: nothing older is left at the head.
 */
export function pruneBatch(db, cutoff, batch) {
  const { head, drop } = prepared(db);
  const rows = head.all(batch);
  let last;
  let young = false;
  for (const [seq, receivedAt] of rows) {
    if (receivedAt >= cutoff) {
      young = true;
      break;
    }
    last = seq;
  }
  let deleted = 0;
  if (last !== undefined) deleted = withoutOwnFsync(db, () => drop.run(last).changes);
  return { deleted, done: young || rows.length < batch };
}

/**
 * A whole pass: batches until nothing older than `cutoff` is left at the head or `stopped()` says so, with a turn of
 * the event loop after each batch (other messages, e.g. the writer thread's inserts, run in between) and a pause that
 * keeps the pass to `duty` of one core (1: no pause). `onBatch` hears the count so far after each batch but the last.
 */
export async function prunePass(db, cutoff, { batch, duty = 1, stopped = () => false, onBatch }) {
  let deleted = 0;
  for (;;) {
    const t = performance.now();
    const r = pruneBatch(db, cutoff, batch);
    deleted += r.deleted;
    if (r.done || stopped()) return deleted;
    onBatch?.(deleted);
    await afterStep(t, duty);
  }
}
