import path from 'node:path';
import type Database from 'better-sqlite3';

/** A folder the server itself indexed files from, under a short name admins see instead of its path. */
export interface ImportRoot {
  id: number;
  name: string;
  /** The real (symlink-free) absolute path recorded when the server indexed from it. */
  path: string;
}

/** Where the server found one item's files and what it hashed; written only by the server's own indexing. */
export interface Provenance {
  root: ImportRoot;
  /** Paths relative to the root. */
  text?: string;
  image?: string;
  audio?: string;
  hash: string;
  indexedAt: number;
}

export interface ProvenanceWrite {
  id: string;
  rootId: number;
  text?: string;
  image?: string;
  audio?: string;
  hash: string;
  indexedAt: number;
}

interface Row {
  item_id: string;
  root_id: number;
  name: string;
  path: string;
  text_path: string | null;
  image_path: string | null;
  audio_path: string | null;
  content_hash: string;
  indexed_at: number;
}

/** SQLite's default limit on bound parameters is 32766; stay well below it. */
const CHUNK = 500;

/**
 * Item provenance (source root, relative paths, content hash, indexed time) per collection and item id, kept
 * out of the vector store's payload, which clients write. Backend-neutral: the same for LanceDB and Qdrant.
 */
export class ProvenanceRepo {
  constructor(private readonly db: Database.Database) {}

  /** The import root for a real absolute path, created (named after its folder) on first use. */
  rootFor(realPath: string, now: number = Date.now()): ImportRoot {
    const found = this.db
      .prepare('SELECT id, name, path FROM import_roots WHERE path = ?')
      .get(realPath) as ImportRoot | undefined;
    if (found) return found;
    const base =
      path
        .basename(realPath)
        .replace(/[^A-Za-z0-9_-]+/g, '-')
        .replace(/^-+|-+$/g, '') || 'root';
    const taken = this.db.prepare('SELECT 1 FROM import_roots WHERE name = ?');
    let name = base;
    for (let n = 2; taken.get(name); n++) name = `${base}-${n}`;
    const r = this.db
      .prepare('INSERT INTO import_roots (name, path, created_at) VALUES (?, ?, ?)')
      .run(name, realPath, now);
    return { id: Number(r.lastInsertRowid), name, path: realPath };
  }

  roots(): ImportRoot[] {
    return this.db
      .prepare('SELECT id, name, path FROM import_roots ORDER BY id')
      .all() as ImportRoot[];
  }

  record(collection: string, rows: readonly ProvenanceWrite[]): void {
    const put = this.db.prepare(
      `INSERT INTO item_provenance (collection, item_id, root_id, text_path, image_path, audio_path, content_hash, indexed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (collection, item_id) DO UPDATE SET root_id = excluded.root_id, text_path = excluded.text_path,
         image_path = excluded.image_path, audio_path = excluded.audio_path, content_hash = excluded.content_hash,
         indexed_at = excluded.indexed_at`,
    );
    this.db.transaction(() => {
      for (const r of rows)
        put.run(
          collection,
          r.id,
          r.rootId,
          r.text ?? null,
          r.image ?? null,
          r.audio ?? null,
          r.hash,
          r.indexedAt,
        );
    })();
  }

  get(collection: string, ids: readonly string[]): Map<string, Provenance> {
    const out = new Map<string, Provenance>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const rows = this.db
        .prepare(
          `SELECT p.item_id, p.root_id, r.name, r.path, p.text_path, p.image_path, p.audio_path, p.content_hash, p.indexed_at
           FROM item_provenance p JOIN import_roots r ON r.id = p.root_id
           WHERE p.collection = ? AND p.item_id IN (${part.map(() => '?').join(',')})`,
        )
        .all(collection, ...part) as Row[];
      for (const row of rows) out.set(row.item_id, toProvenance(row));
    }
    return out;
  }

  /** Content hashes by id: what the indexer compares to skip unchanged items. */
  hashes(collection: string, ids: readonly string[]): Map<string, string> {
    return new Map([...this.get(collection, ids)].map(([id, p]) => [id, p.hash]));
  }

  /** Forgets items (deleted, or overwritten through the API so their recorded files no longer describe them). */
  forget(collection: string, ids: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM item_provenance WHERE collection = ? AND item_id = ?');
    this.db.transaction(() => {
      for (const id of ids) del.run(collection, id);
    })();
  }

  forgetCollection(collection: string): void {
    this.db.prepare('DELETE FROM item_provenance WHERE collection = ?').run(collection);
  }

  lastIndexedAt(collection: string): number | null {
    const r = this.db
      .prepare('SELECT MAX(indexed_at) AS at FROM item_provenance WHERE collection = ?')
      .get(collection) as { at: number | null };
    return r.at;
  }
}

function toProvenance(row: Row): Provenance {
  const p: Provenance = {
    root: { id: row.root_id, name: row.name, path: row.path },
    hash: row.content_hash,
    indexedAt: row.indexed_at,
  };
  if (row.text_path !== null) p.text = row.text_path;
  if (row.image_path !== null) p.image = row.image_path;
  if (row.audio_path !== null) p.audio = row.audio_path;
  return p;
}

/** What an admin may see of provenance: the root's name and paths relative to it, never the server's absolute path. */
export function adminProvenance(p: Provenance): {
  root: string;
  text?: string;
  image?: string;
  audio?: string;
  hash: string;
  indexedAt: number;
} {
  return {
    root: p.root.name,
    text: p.text,
    image: p.image,
    audio: p.audio,
    hash: p.hash,
    indexedAt: p.indexedAt,
  };
}
