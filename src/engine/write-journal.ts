import { randomUUID } from 'node:crypto';
import type { CollectionSchema } from '../domain/collection.js';
import { ChorusError } from '../errors.js';
import type { LexicalIndex } from '../domain/lexical.js';
import type { VectorStore } from '../stores/vector-store.js';
import { indexLexical, type LexicalWeights } from './items.js';

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
  /** Removes ended entries now (recovery, shutdown); otherwise the next begin or a quiet timer does. */
  flush?(): void;
}

/** Minimal key-value port (the SQLite `kv` repo of chorus.db, fsynced on commit). */
export interface JournalKv {
  set(namespace: string, key: string, value: unknown): void;
  delete(namespace: string, key: string): boolean;
  list<T>(namespace: string): { key: string; value: T }[];
  /** Runs fn as one transaction (one fsync for all its changes), when the backend has them. */
  transaction?<T>(fn: () => T): T;
}

const NAMESPACE = 'pending-writes';
/** Ended entries not yet folded into a begin are removed after this much quiet. */
const END_FLUSH_MS = 1000;

/**
 * Each write costs one durable commit, not two: `begin` is fsynced before the store commit (it must be), while
 * `end` only marks the entry and the next `begin` deletes the marked entries in its own transaction (or a timer does,
 * after a second of quiet). An entry a crash leaves behind after its write completed only causes a redundant
 * re-sync of ids that already agree, which changes nothing.
 */
export function kvWriteJournal(kv: JournalKv): WriteJournal {
  let ended = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const tx = <T>(fn: () => T): T => (kv.transaction ? kv.transaction(fn) : fn());
  const dropEnded = () => {
    const done = ended;
    ended = new Set();
    for (const token of done) kv.delete(NAMESPACE, token);
  };
  return {
    begin(collection, ids) {
      const token = randomUUID();
      tx(() => {
        dropEnded();
        kv.set(NAMESPACE, token, { collection, ids });
      });
      return token;
    },
    end(token) {
      ended.add(token);
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        if (ended.size) tx(dropEnded);
      }, END_FLUSH_MS);
      timer.unref();
    },
    flush() {
      clearTimeout(timer);
      timer = undefined;
      if (ended.size) tx(dropEnded);
    },
    pending() {
      return kv
        .list<{ collection: string; ids: string[] }>(NAMESPACE)
        .filter((e) => !ended.has(e.key))
        .map((e) => ({ token: e.key, ...e.value }));
    },
  };
}

export interface RecoveryDeps {
  store: VectorStore;
  bm25: LexicalIndex;
  journal: WriteJournal;
  schema: (collection: string) => Promise<CollectionSchema>;
  lexicalWeights?: LexicalWeights;
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
      await indexLexical(deps.bm25, schema, items, deps.lexicalWeights?.(entry.collection));
      const gone = entry.ids.filter((id) => !present.has(id));
      if (gone.length) await deps.bm25.delete(entry.collection, gone);
      checked += entry.ids.length;
    }
    deps.journal.end(entry.token);
  }
  deps.journal.flush?.();
  return checked;
}
