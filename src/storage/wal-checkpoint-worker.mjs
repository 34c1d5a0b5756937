// The WAL checkpoint thread (src/storage/wal-checkpointer.ts): on its own connection to a SQLite file in WAL mode,
// copies committed WAL frames into the database file (PASSIVE: never waits for, nor blocks, readers and writers)
// whenever the WAL changed since its last look. The copy and its two fsyncs then cost this thread, not the event
// loop of the connection that writes.
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs } = workerData;
const db = new Database(file, { fileMustExist: true });
let seen = '';

function tick() {
  let stamp;
  try {
    const st = statSync(`${file}-wal`);
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch {
    return; // no WAL (nothing written yet, or the last connection removed it)
  }
  if (stamp === seen) return;
  const [r] = db.pragma('wal_checkpoint(PASSIVE)');
  // A checkpoint that could not copy everything (a reader on an older snapshot) is tried again next tick.
  if (r && r.busy === 0 && r.checkpointed === r.log) seen = stamp;
  parentPort.postMessage({ checkpointed: r?.checkpointed ?? 0 });
}

const timer = setInterval(() => {
  try {
    tick();
  } catch (e) {
    parentPort.postMessage({ error: String(e?.message ?? e) });
  }
}, intervalMs);

parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  db.close();
  process.exit(0);
});
parentPort.postMessage({ ready: true });
