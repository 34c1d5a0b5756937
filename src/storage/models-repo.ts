import type Database from 'better-sqlite3';
import { ChorusError } from '../errors.js';

export type ModelStatus = 'candidate' | 'promoted' | 'retired';

/** One trained fusion-reranker version of a collection. */
export interface ModelRecord {
  collection: string;
  /** Unique within the collection ("v1", "v2", ... unless the caller names it). */
  version: string;
  createdAt: number;
  status: ModelStatus;
  /** Offline metrics (nDCG@10, MRR, IPS CTR, ...). */
  metrics: Record<string, unknown>;
  /** The feature spec the model was trained on, so serving builds the same rows. */
  featureSpec: Record<string, unknown>;
  /** Where the model file (ONNX) lives. */
  artifactPath: string | null;
  /** Epoch-ms span of the events it was trained on. */
  trainedFrom: number | null;
  trainedTo: number | null;
  notes: string | null;
}

export interface ModelHistoryEntry {
  seq: number;
  collection: string;
  action: 'register' | 'promote' | 'rollback' | 'retire';
  version: string | null;
  /** The version that was promoted before this action (for promote/rollback). */
  previous: string | null;
  at: number;
  /** A promotion the guard refused, overridden with force. */
  forced: boolean;
  /** For promotions: the guard's comparison (candidate vs serving on held-out queries), when one was made. */
  details: Record<string, unknown> | null;
}

export interface RegisterModel {
  collection: string;
  version?: string;
  metrics?: Record<string, unknown>;
  featureSpec?: Record<string, unknown>;
  artifactPath?: string;
  trainedFrom?: number;
  trainedTo?: number;
  notes?: string;
}

interface ModelRow {
  collection: string;
  version: string;
  created_at: number;
  status: ModelStatus;
  metrics: string;
  feature_spec: string;
  artifact_path: string | null;
  train_from: number | null;
  train_to: number | null;
  notes: string | null;
}

/**
 * The model registry: versions per collection, at most one promoted at a time, and a history of every
 * register/promote/rollback/retire so rollbacks walk back through earlier promotions.
 */
export class ModelsRepo {
  constructor(private readonly db: Database.Database) {}

  /** Registers a new candidate. Without `version`, assigns the next "vN" of the collection. */
  register(m: RegisterModel, now: number = Date.now()): ModelRecord {
    return this.db
      .transaction(() => {
        const version = m.version ?? this.nextVersion(m.collection);
        if (this.get(m.collection, version)) {
          throw new ChorusError('CONFLICT', `model ${m.collection}/${version} already exists`);
        }
        this.db
          .prepare(
            `INSERT INTO models (collection, version, created_at, status, metrics, feature_spec, artifact_path,
              train_from, train_to, notes) VALUES (?, ?, ?, 'candidate', ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            m.collection,
            version,
            now,
            JSON.stringify(m.metrics ?? {}),
            JSON.stringify(m.featureSpec ?? {}),
            m.artifactPath ?? null,
            m.trainedFrom ?? null,
            m.trainedTo ?? null,
            m.notes ?? null,
          );
        this.log(m.collection, 'register', version, null, now);
        return this.get(m.collection, version)!;
      })
      .immediate();
  }

  /** One version, or undefined. */
  get(collection: string, version: string): ModelRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM models WHERE collection = ? AND version = ?')
      .get(collection, version) as ModelRow | undefined;
    return row && toRecord(row);
  }

  /** Versions of a collection (or of all collections), newest first. */
  list(collection?: string): ModelRecord[] {
    const rows = collection
      ? this.db
          .prepare('SELECT * FROM models WHERE collection = ? ORDER BY created_at DESC, rowid DESC')
          .all(collection)
      : this.db
          .prepare('SELECT * FROM models ORDER BY collection, created_at DESC, rowid DESC')
          .all();
    return (rows as ModelRow[]).map(toRecord);
  }

  /** The version serving a collection now, if any. */
  promoted(collection: string): ModelRecord | undefined {
    const row = this.db
      .prepare("SELECT * FROM models WHERE collection = ? AND status = 'promoted'")
      .get(collection) as ModelRow | undefined;
    return row && toRecord(row);
  }

  /** Replaces the stored metrics (e.g. after a new offline evaluation). */
  updateMetrics(collection: string, version: string, metrics: Record<string, unknown>): void {
    const r = this.db
      .prepare('UPDATE models SET metrics = ? WHERE collection = ? AND version = ?')
      .run(JSON.stringify(metrics), collection, version);
    if (r.changes === 0)
      throw new ChorusError('NOT_FOUND', `model ${collection}/${version} does not exist`);
  }

  /** Makes `version` the serving model; the previously promoted one becomes retired. Returns the previous version. */
  promote(
    collection: string,
    version: string,
    now: number = Date.now(),
    record: { forced?: boolean; details?: Record<string, unknown> } = {},
  ): { previous: string | null } {
    return this.db
      .transaction(() => {
        const target = this.get(collection, version);
        if (!target)
          throw new ChorusError('NOT_FOUND', `model ${collection}/${version} does not exist`);
        const current = this.promoted(collection);
        if (current?.version === version) return { previous: version };
        this.swap(collection, current?.version ?? null, version);
        this.log(collection, 'promote', version, current?.version ?? null, now, record);
        return { previous: current?.version ?? null };
      })
      .immediate();
  }

  /**
   * Reverts to the version promoted before the current one (following promote/rollback history, so repeated
   * rollbacks keep walking back). With no earlier version, the collection falls back to no model (baseline fusion).
   */
  rollback(
    collection: string,
    now: number = Date.now(),
  ): { from: string | null; to: string | null } {
    return this.db
      .transaction(() => {
        const current = this.promoted(collection);
        if (!current)
          throw new ChorusError(
            'CONFLICT',
            `collection ${collection} has no promoted model to roll back`,
          );
        const stack = this.promotionStack(collection);
        stack.pop(); // the current one
        // Versions retired after their promotion were already dropped from the stack.
        const to = stack.length ? stack[stack.length - 1]! : null;
        this.swap(collection, current.version, to);
        this.log(collection, 'rollback', to, current.version, now);
        return { from: current.version, to };
      })
      .immediate();
  }

  /** What a rollback would do now: from the promoted version to the one before it, or to none (the model turns off). */
  rollbackTarget(collection: string): { from: string; to: string | null } | null {
    const current = this.promoted(collection);
    if (!current) return null;
    const stack = this.promotionStack(collection);
    stack.pop();
    return { from: current.version, to: stack.length ? stack[stack.length - 1]! : null };
  }

  /** Retires a version (it stops serving if it was promoted; the collection falls back to baseline fusion). */
  retire(collection: string, version: string, now: number = Date.now()): void {
    this.db
      .transaction(() => {
        const r = this.db
          .prepare("UPDATE models SET status = 'retired' WHERE collection = ? AND version = ?")
          .run(collection, version);
        if (r.changes === 0)
          throw new ChorusError('NOT_FOUND', `model ${collection}/${version} does not exist`);
        this.log(collection, 'retire', version, null, now);
      })
      .immediate();
  }

  /** Registry history of a collection, oldest first. */
  history(collection: string): ModelHistoryEntry[] {
    const rows = this.db
      .prepare(
        'SELECT seq, collection, action, version, previous, at, forced, details FROM model_history WHERE collection = ? ORDER BY seq',
      )
      .all(collection) as (Omit<ModelHistoryEntry, 'forced' | 'details'> & {
      forced: number;
      details: string | null;
    })[];
    return rows.map((r) => ({
      ...r,
      forced: r.forced === 1,
      details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
    }));
  }

  /** Replays history: promote pushes, rollback pops, retire removes that version. */
  private promotionStack(collection: string): string[] {
    const stack: string[] = [];
    for (const h of this.history(collection)) {
      if (h.action === 'promote' && h.version) stack.push(h.version);
      else if (h.action === 'rollback') stack.pop();
      else if (h.action === 'retire' && h.version) {
        for (let i = stack.length - 1; i >= 0; i--) if (stack[i] === h.version) stack.splice(i, 1);
      }
    }
    return stack;
  }

  private swap(collection: string, from: string | null, to: string | null): void {
    if (from)
      this.db
        .prepare("UPDATE models SET status = 'retired' WHERE collection = ? AND version = ?")
        .run(collection, from);
    if (to)
      this.db
        .prepare("UPDATE models SET status = 'promoted' WHERE collection = ? AND version = ?")
        .run(collection, to);
  }

  private nextVersion(collection: string): string {
    const rows = this.db
      .prepare('SELECT version FROM models WHERE collection = ?')
      .all(collection) as { version: string }[];
    const max = rows.reduce(
      (m, r) => Math.max(m, /^v(\d+)$/.exec(r.version) ? Number(r.version.slice(1)) : 0),
      0,
    );
    return `v${max + 1}`;
  }

  private log(
    collection: string,
    action: ModelHistoryEntry['action'],
    version: string | null,
    previous: string | null,
    at: number,
    record: { forced?: boolean; details?: Record<string, unknown> } = {},
  ): void {
    this.db
      .prepare(
        'INSERT INTO model_history (collection, action, version, previous, at, forced, details) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        collection,
        action,
        version,
        previous,
        at,
        record.forced ? 1 : 0,
        record.details ? JSON.stringify(record.details) : null,
      );
  }
}

function toRecord(r: ModelRow): ModelRecord {
  return {
    collection: r.collection,
    version: r.version,
    createdAt: r.created_at,
    status: r.status,
    metrics: JSON.parse(r.metrics) as Record<string, unknown>,
    featureSpec: JSON.parse(r.feature_spec) as Record<string, unknown>,
    artifactPath: r.artifact_path,
    trainedFrom: r.train_from,
    trainedTo: r.train_to,
    notes: r.notes,
  };
}
