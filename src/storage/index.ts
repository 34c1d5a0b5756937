// Public entry point of the embedded durable store.
export { CHORUS_DB_FILE, openChorusDb, openChorusDbFile, type ChorusDb } from './chorus-db.js';
export { compactFile, freeBytes, type CompactResult } from './compact.js';
export {
  EventsRepo,
  type AppendResult,
  type EventQuery,
  type LoggedSearchRow,
  type StoredEvent,
} from './events-repo.js';
export { JudgmentsRepo, type Judgment } from './judgments-repo.js';
export {
  ModelsRepo,
  type ModelHistoryEntry,
  type ModelRecord,
  type ModelStatus,
  type RegisterModel,
} from './models-repo.js';
export { CheckpointsRepo, type Checkpoint } from './checkpoints-repo.js';
export { KvRepo } from './kv-repo.js';
export {
  adminProvenance,
  ProvenanceRepo,
  type ImportRoot,
  type Provenance,
  type ProvenanceWrite,
} from './provenance-repo.js';
export { MIGRATIONS, migrate, type Migration } from './migrations.js';
