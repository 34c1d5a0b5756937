// Deleting the oldest events (retention), shared by EventsRepo (this thread) and the events writer thread
// (events-writer-worker.mjs loads it without a TypeScript loader, hence plain JS; types in event-prune.d.mts).

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
  const deleted = last === undefined ? 0 : drop.run(last).changes;
  return { deleted, done: young || rows.length < batch };
}
