import type Database from 'better-sqlite3';

/** Small durable settings grouped by namespace (fusion presets, UI preferences): JSON values, last write wins. */
export class KvRepo {
  /** Prepared once per SQL text: every search reads the collection's preset here, and preparing cost more than the read. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** The value stored under namespace/key, or undefined. */
  get<T = unknown>(namespace: string, key: string): T | undefined {
    const row = this.stmt('SELECT value FROM kv WHERE namespace = ? AND key = ?').get(
      namespace,
      key,
    ) as { value: string } | undefined;
    return row && (JSON.parse(row.value) as T);
  }

  /** The stored JSON text under namespace/key (compare it to tell whether a value changed without parsing it). */
  getText(namespace: string, key: string): string | undefined {
    const row = this.stmt('SELECT value AS text FROM kv WHERE namespace = ? AND key = ?').get(
      namespace,
      key,
    ) as { text: string } | undefined;
    return row?.text;
  }

  /** Runs fn as one transaction: its changes commit (and fsync) together. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Stores a JSON-serialisable value (replacing any previous one). */
  set(namespace: string, key: string, value: unknown, now: number = Date.now()): void {
    if (value === undefined)
      throw new TypeError('kv values must be JSON-serialisable, not undefined');
    this.stmt(
      `INSERT INTO kv (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ).run(namespace, key, JSON.stringify(value), now);
  }

  /** Removes a key; returns whether it existed. */
  delete(namespace: string, key: string): boolean {
    return (
      this.stmt('DELETE FROM kv WHERE namespace = ? AND key = ?').run(namespace, key).changes > 0
    );
  }

  /** Every key/value of a namespace, ordered by key. */
  list<T = unknown>(namespace: string): { key: string; value: T; updatedAt: number }[] {
    const rows = this.stmt(
      'SELECT key, value, updated_at FROM kv WHERE namespace = ? ORDER BY key',
    ).all(namespace) as {
      key: string;
      value: string;
      updated_at: number;
    }[];
    return rows.map((r) => ({
      key: r.key,
      value: JSON.parse(r.value) as T,
      updatedAt: r.updated_at,
    }));
  }
}
