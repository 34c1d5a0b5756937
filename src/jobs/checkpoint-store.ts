/**
 * Durable key-value records for job state, grouped by namespace (a queue name, or `index-runs`).
 * Values are JSON. Implementations: a JSONL log on disk (`file-checkpoint-store.ts`) and the SQLite
 * store's `job_checkpoints` table.
 */
export interface CheckpointStore {
  list(namespace: string): Promise<Map<string, unknown>>;
  get(namespace: string, key: string): Promise<unknown>;
  put(namespace: string, key: string, value: unknown): Promise<void>;
  /** Several puts made durable together (one transaction / one append). */
  putMany(namespace: string, entries: [string, unknown][]): Promise<void>;
  delete(namespace: string, keys: string[]): Promise<void>;
  close?(): Promise<void>;
}
