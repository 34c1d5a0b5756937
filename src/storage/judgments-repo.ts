import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ChorusError } from '../errors.js';

export type JudgedQueryKind = 'text' | 'image' | 'audio';

/** A judged query as the editor lists it: its key, what kind of query it is, and its grades. */
export interface JudgedQuery {
  /** The judgments key: the text itself, or `image:<hash>` / `audio:<hash>` for a media query. */
  query: string;
  kind: JudgedQueryKind;
  /** What to show: the text, or the media file's name. */
  label: string;
  judged: number;
  /** How many judgments have each grade 0..4. */
  grades: [number, number, number, number, number];
}

/** The stored bytes of an image or audio query, replayed by offline evaluation. */
export interface QueryMedia {
  kind: 'image' | 'audio';
  label: string;
  mediaType: string;
  data: Buffer;
}

/** The judgments key of a media query: its kind and a content hash, so the same file is one query. */
export const mediaQueryKey = (kind: 'image' | 'audio', data: Buffer): string =>
  `${kind}:${createHash('sha256').update(data).digest('hex').slice(0, 16)}`;

/** A graded relevance judgment: how good `itemId` is for `query` in `collection`, 0 (bad) to 4 (perfect). */
export interface Judgment {
  collection: string;
  query: string;
  itemId: string;
  grade: number;
  /** Epoch ms of the last change. */
  updatedAt: number;
}

/** Relevance judgments (qrels) edited in the admin UI and used by offline evaluation. */
export class JudgmentsRepo {
  constructor(private readonly db: Database.Database) {}

  /** Sets (or replaces) grades in one transaction. Grades must be integers 0..4. */
  set(judgments: Omit<Judgment, 'updatedAt'>[], now: number = Date.now()): number {
    for (const j of judgments) {
      if (!Number.isInteger(j.grade) || j.grade < 0 || j.grade > 4) {
        throw new ChorusError(
          'VALIDATION',
          `grade for ${JSON.stringify(j.query)} / ${j.itemId} must be an integer 0..4`,
        );
      }
      if (!j.collection || !j.query || !j.itemId)
        throw new ChorusError('VALIDATION', 'judgments need collection, query and itemId');
    }
    const stmt = this.db
      .prepare(`INSERT INTO judgments (collection, query, item_id, grade, updated_at)
      VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (collection, query, item_id) DO UPDATE SET grade = excluded.grade, updated_at = excluded.updated_at`);
    this.db
      .transaction(() => {
        for (const j of judgments) stmt.run(j.collection, j.query, j.itemId, j.grade, now);
      })
      .immediate();
    return judgments.length;
  }

  /** Removes one judgment; returns whether it existed. */
  remove(collection: string, query: string, itemId: string): boolean {
    return (
      this.db
        .prepare('DELETE FROM judgments WHERE collection = ? AND query = ? AND item_id = ?')
        .run(collection, query, itemId).changes > 0
    );
  }

  /** Judgments of a collection, optionally for one query, ordered by query then grade (best first). */
  list(collection: string, query?: string): Judgment[] {
    const rows =
      query === undefined
        ? this.db
            .prepare(
              'SELECT * FROM judgments WHERE collection = ? ORDER BY query, grade DESC, item_id',
            )
            .all(collection)
        : this.db
            .prepare(
              'SELECT * FROM judgments WHERE collection = ? AND query = ? ORDER BY grade DESC, item_id',
            )
            .all(collection, query);
    return (
      rows as {
        collection: string;
        query: string;
        item_id: string;
        grade: number;
        updated_at: number;
      }[]
    ).map((r) => ({
      collection: r.collection,
      query: r.query,
      itemId: r.item_id,
      grade: r.grade,
      updatedAt: r.updated_at,
    }));
  }

  /** Distinct judged queries of a collection: kind, label, how many items each has and its grade histogram. */
  queries(collection: string): JudgedQuery[] {
    const rows = this.db
      .prepare(
        `SELECT j.query, COUNT(*) AS judged, q.kind, q.label,
           SUM(j.grade = 0) AS g0, SUM(j.grade = 1) AS g1, SUM(j.grade = 2) AS g2, SUM(j.grade = 3) AS g3, SUM(j.grade = 4) AS g4
         FROM judgments j LEFT JOIN judgment_queries q ON q.collection = j.collection AND q.query = j.query
         WHERE j.collection = ? GROUP BY j.query ORDER BY COALESCE(q.label, j.query), j.query`,
      )
      .all(collection) as {
      query: string;
      judged: number;
      kind: JudgedQueryKind | null;
      label: string | null;
      g0: number;
      g1: number;
      g2: number;
      g3: number;
      g4: number;
    }[];
    return rows.map((r) => ({
      query: r.query,
      kind: r.kind ?? 'text',
      label: r.label ?? r.query,
      judged: r.judged,
      grades: [r.g0, r.g1, r.g2, r.g3, r.g4],
    }));
  }

  /**
   * Stores an image or audio query's bytes (idempotent: the key is the content hash) and returns its key, under
   * which its judgments are then set like a text query's.
   */
  saveMediaQuery(
    collection: string,
    media: Omit<QueryMedia, 'label'> & { label?: string },
    now: number = Date.now(),
  ): string {
    if (!collection) throw new ChorusError('VALIDATION', 'a media query needs a collection');
    if (media.data.length === 0)
      throw new ChorusError('VALIDATION', `the ${media.kind} query is empty`);
    const query = mediaQueryKey(media.kind, media.data);
    const label = (media.label ?? '').trim().slice(0, 256) || query;
    this.db
      .prepare(
        `INSERT INTO judgment_queries (collection, query, kind, label, media_type, media, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (collection, query) DO UPDATE SET label = excluded.label`,
      )
      .run(collection, query, media.kind, label, media.mediaType, media.data, now);
    return query;
  }

  /** The stored media of a judged image/audio query, or undefined for a text query. */
  queryMedia(collection: string, query: string): QueryMedia | undefined {
    const r = this.db
      .prepare(
        'SELECT kind, label, media_type, media FROM judgment_queries WHERE collection = ? AND query = ? AND media IS NOT NULL',
      )
      .get(collection, query) as
      | { kind: 'image' | 'audio'; label: string; media_type: string | null; media: Buffer }
      | undefined;
    return r
      ? {
          kind: r.kind,
          label: r.label,
          mediaType: r.media_type ?? 'application/octet-stream',
          data: r.media,
        }
      : undefined;
  }

  /** All judgments of a collection as qrels: query -> itemId -> grade. */
  qrels(collection: string): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const j of this.list(collection)) {
      let m = out.get(j.query);
      if (!m) out.set(j.query, (m = new Map()));
      m.set(j.itemId, j.grade);
    }
    return out;
  }
}
