// What the storage's background passes (retention deletes, giving free pages back) do between and around their
// steps, shared by event-prune.mjs and free-pages.mjs (plain JS: the events writer thread loads them without a
// TypeScript loader; types in background-steps.d.mts).

/**
 * Runs one step's write without an fsync of its own: a step lost to a power cut is redone by the next pass, and the
 * next durable commit on this connection syncs the WAL with it anyway. Flat out, a pass mostly waited for fsyncs.
 */
export function withoutOwnFsync(db, write) {
  const sync = db.pragma('synchronous', { simple: true });
  db.pragma('synchronous = NORMAL');
  try {
    return write();
  } finally {
    db.pragma(`synchronous = ${sync}`);
  }
}

/**
 * After a step that started at `startedAt` (performance.now()): a turn of the event loop (other messages, e.g. the
 * writer thread's inserts, run in between), and a pause that keeps the pass to `duty` of one core (1: no pause).
 */
export function afterStep(startedAt, duty) {
  const rest = ((performance.now() - startedAt) * (1 - duty)) / duty;
  return new Promise((resolve) => (rest >= 1 ? setTimeout(resolve, rest) : setImmediate(resolve)));
}
