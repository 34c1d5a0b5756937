import type Database from 'better-sqlite3';
import { ChorusError } from '../errors.js';

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

  /** Distinct judged queries of a collection with how many items each has. */
  queries(collection: string): { query: string; judged: number }[] {
    return this.db
      .prepare(
        'SELECT query, COUNT(*) AS judged FROM judgments WHERE collection = ? GROUP BY query ORDER BY query',
      )
      .all(collection) as { query: string; judged: number }[];
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
