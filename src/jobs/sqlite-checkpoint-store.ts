import type { ChorusDb } from '../storage/index.js';
import type { CheckpointStore } from './checkpoint-store.js';

/**
 * Job checkpoints in the SQLite store's `job_checkpoints` table (WAL, fsync per commit), keyed
 * `<namespace>/<key>`. Batches of puts and deletes share one transaction, so enqueueing thousands of
 * batch jobs costs one fsync, not thousands.
 */
export class SqliteCheckpointStore implements CheckpointStore {
  constructor(private readonly db: ChorusDb) {}

  async list(namespace: string): Promise<Map<string, unknown>> {
    const prefix = `${namespace}/`;
    // Oldest first, so waiting jobs resume in the order they were added.
    const rows = this.db.checkpoints.list(prefix).reverse();
    return new Map(rows.map((r) => [r.jobId.slice(prefix.length), r.state]));
  }

  async get(namespace: string, key: string): Promise<unknown> {
    return this.db.checkpoints.load(`${namespace}/${key}`)?.state;
  }

  async put(namespace: string, key: string, value: unknown): Promise<void> {
    this.db.checkpoints.save(`${namespace}/${key}`, value);
  }

  async putMany(namespace: string, entries: [string, unknown][]): Promise<void> {
    if (entries.length === 0) return;
    const now = Date.now();
    this.db.raw.transaction(() => {
      for (const [k, v] of entries) this.db.checkpoints.save(`${namespace}/${k}`, v, now);
    })();
  }

  async delete(namespace: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    this.db.raw.transaction(() => {
      for (const k of keys) this.db.checkpoints.remove(`${namespace}/${k}`);
    })();
  }
}
