import type Database from 'better-sqlite3';

export interface Checkpoint<T = unknown> {
  jobId: string;
  state: T;
  updatedAt: number;
}

/** Resumable job state (indexing progress, training cursors): one JSON document per job id, overwritten in place. */
export class CheckpointsRepo {
  constructor(private readonly db: Database.Database) {}

  /** Stores the job's state (replacing the previous one) durably before returning. */
  save<T>(jobId: string, state: T, now: number = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO job_checkpoints (job_id, state, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (job_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      )
      .run(jobId, JSON.stringify(state), now);
  }

  /** The last saved state, or undefined for an unknown job. */
  load<T = unknown>(jobId: string): Checkpoint<T> | undefined {
    const row = this.db
      .prepare('SELECT job_id, state, updated_at FROM job_checkpoints WHERE job_id = ?')
      .get(jobId) as { job_id: string; state: string; updated_at: number } | undefined;
    return (
      row && { jobId: row.job_id, state: JSON.parse(row.state) as T, updatedAt: row.updated_at }
    );
  }

  /** Forgets a job (after it completed); returns whether it existed. */
  remove(jobId: string): boolean {
    return this.db.prepare('DELETE FROM job_checkpoints WHERE job_id = ?').run(jobId).changes > 0;
  }

  /** Checkpoints whose job id starts with `prefix` (all when omitted), most recently updated first. */
  list<T = unknown>(prefix = ''): Checkpoint<T>[] {
    const rows = this.db
      .prepare(
        'SELECT job_id, state, updated_at FROM job_checkpoints WHERE substr(job_id, 1, length(?)) = ? ORDER BY updated_at DESC',
      )
      .all(prefix, prefix) as { job_id: string; state: string; updated_at: number }[];
    return rows.map((r) => ({
      jobId: r.job_id,
      state: JSON.parse(r.state) as T,
      updatedAt: r.updated_at,
    }));
  }
}
