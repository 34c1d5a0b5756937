import { randomUUID } from 'node:crypto';
import type { CollectionSchema } from '../domain/collection.js';
import { ChorusError } from '../errors.js';
import type { Bm25Index } from '../lexical/bm25-index.js';
import type { VectorStore } from '../stores/vector-store.js';
import { indexLexical } from './items.js';

/**
 * Durable record of writes between the store commit and the lexical index update. A process killed in that
 * window (kill -9, power loss) leaves the entry behind; on the next start `recoverPendingWrites` re-reads those
 * ids from the store, the source of truth, and brings BM25 in line, so store and index agree after a restart.
 */
export interface WriteJournal {
  /** Records ids about to be written; returns the entry's token. */
  begin(collection: string, ids: readonly string[]): string;
  /** The write is in both the store and BM25 (or in neither): forget the entry. */
  end(token: string): void;
  pending(): { token: string; collection: string; ids: string[] }[];
}

/** Minimal key-value port (the SQLite `kv` repo of chorus.db, fsynced on commit). */
export interface JournalKv {
  set(namespace: string, key: string, value: unknown): void;
  delete(namespace: string, key: string): boolean;
  list<T>(namespace: string): { key: string; value: T }[];
}

const NAMESPACE = 'pending-writes';

export function kvWriteJournal(kv: JournalKv): WriteJournal {
  return {
    begin(collection, ids) {
      const token = randomUUID();
      kv.set(NAMESPACE, token, { collection, ids });
      return token;
    },
    end(token) {
      kv.delete(NAMESPACE, token);
    },
    pending() {
      return kv
        .list<{ collection: string; ids: string[] }>(NAMESPACE)
        .map((e) => ({ token: e.key, ...e.value }));
    },
  };
}

export interface RecoveryDeps {
  store: VectorStore;
  bm25: Bm25Index;
  journal: WriteJournal;
  schema: (collection: string) => Promise<CollectionSchema>;
}

/** Re-syncs BM25 for every write a crash interrupted; returns how many ids were checked. */
export async function recoverPendingWrites(deps: RecoveryDeps): Promise<number> {
  let checked = 0;
  for (const entry of deps.journal.pending()) {
    let schema: CollectionSchema | undefined;
    try {
      schema = await deps.schema(entry.collection);
    } catch (e) {
      if (!(e instanceof ChorusError)) throw e; // the collection was dropped since: nothing to re-sync
    }
    if (schema) {
      const items = await deps.store.get(entry.collection, entry.ids);
      const present = new Set(items.map((i) => i.id));
      indexLexical(deps.bm25, schema, items);
      const gone = entry.ids.filter((id) => !present.has(id));
      if (gone.length) deps.bm25.delete(entry.collection, gone);
      checked += entry.ids.length;
    }
    deps.journal.end(entry.token);
  }
  return checked;
}
