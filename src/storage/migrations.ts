import type Database from 'better-sqlite3';
import { ChorusError } from '../errors.js';

/**
 * Versioned schema migrations, applied in order, each in its own transaction, recorded in `schema_migrations`.
 * Append new migrations at the end; never edit one that has shipped.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, judgments, models, job checkpoints, kv',
    sql: `
      CREATE TABLE events (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id    TEXT NOT NULL UNIQUE,
        collection  TEXT NOT NULL,
        type        TEXT NOT NULL,
        user_id     TEXT,
        query_id    TEXT,
        item_id     TEXT,
        ts          INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        body        TEXT NOT NULL
      );
      CREATE INDEX events_collection_ts ON events (collection, ts);
      CREATE INDEX events_collection_type_ts ON events (collection, type, ts);
      CREATE INDEX events_user_ts ON events (user_id, ts) WHERE user_id IS NOT NULL;
      CREATE INDEX events_query ON events (query_id) WHERE query_id IS NOT NULL;
      CREATE INDEX events_item ON events (collection, item_id) WHERE item_id IS NOT NULL;

      CREATE TABLE judgments (
        collection TEXT NOT NULL,
        query      TEXT NOT NULL,
        item_id    TEXT NOT NULL,
        grade      INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 4),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (collection, query, item_id)
      ) WITHOUT ROWID;

      CREATE TABLE models (
        collection    TEXT NOT NULL,
        version       TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('candidate', 'promoted', 'retired')),
        metrics       TEXT NOT NULL DEFAULT '{}',
        feature_spec  TEXT NOT NULL DEFAULT '{}',
        artifact_path TEXT,
        train_from    INTEGER,
        train_to      INTEGER,
        notes         TEXT,
        PRIMARY KEY (collection, version)
      );
      CREATE UNIQUE INDEX models_one_promoted ON models (collection) WHERE status = 'promoted';

      CREATE TABLE model_history (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        collection TEXT NOT NULL,
        action     TEXT NOT NULL CHECK (action IN ('register', 'promote', 'rollback', 'retire')),
        version    TEXT,
        previous   TEXT,
        at         INTEGER NOT NULL
      );
      CREATE INDEX model_history_collection ON model_history (collection, seq);

      CREATE TABLE job_checkpoints (
        job_id     TEXT PRIMARY KEY,
        state      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE kv (
        namespace  TEXT NOT NULL,
        key        TEXT NOT NULL,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'events: who logged an event, and the feature spec its rows validated against',
    // origin: 'server' for impressions the engine logged itself, 'client' for everything sent over the API.
    // feature_spec: the spec version an impression's rows passed validation for (NULL: not trainable).
    // Impressions with rows logged before this migration keep spec 1; a trainer re-validates every row it reads.
    sql: `
      ALTER TABLE events ADD COLUMN origin TEXT NOT NULL DEFAULT 'client' CHECK (origin IN ('server', 'client'));
      ALTER TABLE events ADD COLUMN feature_spec INTEGER;
      UPDATE events SET feature_spec = 1 WHERE type = 'impression' AND json_extract(body, '$.features') IS NOT NULL;
      CREATE INDEX events_trainable ON events (collection, feature_spec) WHERE type = 'impression' AND feature_spec IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'item provenance and import roots (kept out of client-writable payloads)',
    sql: `
      CREATE TABLE import_roots (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        name       TEXT NOT NULL UNIQUE,
        path       TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE item_provenance (
        collection   TEXT NOT NULL,
        item_id      TEXT NOT NULL,
        root_id      INTEGER NOT NULL REFERENCES import_roots (id),
        text_path    TEXT,
        image_path   TEXT,
        audio_path   TEXT,
        content_hash TEXT NOT NULL,
        indexed_at   INTEGER NOT NULL,
        PRIMARY KEY (collection, item_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'model_history: forced promotions and the promotion guard comparison',
    sql: `
      ALTER TABLE model_history ADD COLUMN forced INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE model_history ADD COLUMN details TEXT;
    `,
  },
  {
    version: 5,
    name: 'judged queries with their media (image and audio queries)',
    // The query string stays the judgments key; media queries get a synthetic key (kind:hash) and keep their bytes
    // here so offline evaluation can replay them. Text queries need no row.
    sql: `
      CREATE TABLE judgment_queries (
        collection TEXT NOT NULL,
        query      TEXT NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('text', 'image', 'audio')),
        label      TEXT NOT NULL,
        media_type TEXT,
        media      BLOB,
        created_at INTEGER NOT NULL,
        UNIQUE (collection, query)
      );
    `,
  },
  {
    version: 6,
    name: 'events: server-logged feature rows as packed float32 (no JSON parse when training)',
    // feature_rows: src/feedback/packed-rows.ts layout; when set, the JSON body carries no `features` (readers
    // rebuild them). Logs written before keep their JSON rows, and training still reads those.
    sql: `ALTER TABLE events ADD COLUMN feature_rows BLOB;`,
  },
];

/** Applies every migration newer than the database; refuses a database written by a newer Chorus. */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const current =
    (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null })
      .v ?? 0;
  const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  if (current > latest) {
    throw new ChorusError(
      'CONFLICT',
      `the database schema is version ${current} but this Chorus only knows up to ${latest}; upgrade Chorus`,
    );
  }
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }).immediate();
  }
  return latest;
}
