import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CheckpointsRepo } from './checkpoints-repo.js';
import { EventsRepo } from './events-repo.js';
import { JudgmentsRepo } from './judgments-repo.js';
import { KvRepo } from './kv-repo.js';
import { migrate } from './migrations.js';
import { ModelsRepo } from './models-repo.js';
import { ProvenanceRepo } from './provenance-repo.js';

/** The embedded durable store: one SQLite file with one small repository per table group. */
export interface ChorusDb {
  events: EventsRepo;
  judgments: JudgmentsRepo;
  models: ModelsRepo;
  checkpoints: CheckpointsRepo;
  kv: KvRepo;
  /** Where indexed items' files are (server-written only). */
  provenance: ProvenanceRepo;
  /** The SQLite file path. */
  file: string;
  /** Schema version after migrations. */
  schemaVersion: number;
  /** The raw connection, for migrations in tests and diagnostics; prefer the repositories. */
  raw: Database.Database;
  close(): void;
}

/** The durable store's file in a data directory. */
export const CHORUS_DB_FILE = 'chorus.db';

/** Opens (creating and migrating as needed) `<dataDir>/chorus.db`. */
export function openChorusDb(dataDir: string): ChorusDb {
  mkdirSync(dataDir, { recursive: true });
  return openChorusDbFile(path.join(dataDir, CHORUS_DB_FILE));
}

/**
 * Opens a specific SQLite file. Pragmas:
 * - auto_vacuum=INCREMENTAL (takes effect on a new file only): pages freed by retention can be given back to the file
 *   system a step at a time while the server runs (reclaimFreePages); a file from before needs one VACUUM
 *   (`chorus compact`).
 * - WAL: readers never block the writer (the API reads while feedback is appended) and a crash mid-commit
 *   leaves the last committed state.
 * - synchronous=FULL: every commit fsyncs the WAL before returning, so an acknowledged feedback event survives
 *   not only a killed process (NORMAL would already do that) but also power loss or an OS crash. Feedback is
 *   training data that cannot be re-created, and appends come in batches, so one fsync per batch is cheap.
 * - busy_timeout: the CLI and a running server may write at the same time; wait rather than fail.
 */
export function openChorusDbFile(file: string): ChorusDb {
  const raw = new Database(file);
  raw.pragma('auto_vacuum = INCREMENTAL');
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const schemaVersion = migrate(raw);
  return {
    events: new EventsRepo(raw),
    judgments: new JudgmentsRepo(raw),
    models: new ModelsRepo(raw),
    checkpoints: new CheckpointsRepo(raw),
    kv: new KvRepo(raw),
    provenance: new ProvenanceRepo(raw),
    file,
    schemaVersion,
    raw,
    close: () => raw.close(),
  };
}
